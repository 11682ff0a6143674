namespace Flotilla.Grains.Tasks;

/// <summary>What a node's agent says of a task it runs.</summary>
[GenerateSerializer, Immutable]
public sealed record TaskReport(
    [property: Id(0)] TaskState State,
    [property: Id(1)] string Message,
    [property: Id(2)] string? ContainerId = null,
    [property: Id(3)] int? ExitCode = null,
    [property: Id(4)] string? Error = null);
