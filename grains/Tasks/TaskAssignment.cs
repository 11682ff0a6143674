using Flotilla.Grains.Services;

namespace Flotilla.Grains.Tasks;

/// <summary>What a node needs to run a task: its identity, names and container template.</summary>
[GenerateSerializer, Immutable]
public sealed record TaskAssignment(
    [property: Id(0)] string TaskId,
    [property: Id(1)] string ServiceId,
    [property: Id(2)] string ServiceName,
    [property: Id(3)] string TaskName,
    [property: Id(4)] string ContainerName,
    [property: Id(5)] TaskTemplate Template,
    [property: Id(6)] string NodeId,
    [property: Id(7)] Networks.NetworkAttachment[]? Networks = null);
