using Flotilla.Grains.Services;

namespace Flotilla.Grains.Tasks;

/// <summary>One task: one slot of a service (or one node of a global service) run once, as one container.</summary>
[GenerateSerializer]
public sealed record TaskRecord
{
    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public string ServiceId { get; init; } = "";
    [Id(2)] public string ServiceName { get; init; } = "";
    /// <summary>Replicated: 1..replicas. Global: 0 (the node is the slot).</summary>
    [Id(3)] public int Slot { get; init; }
    [Id(4)] public long SpecVersion { get; init; }
    [Id(5)] public TaskTemplate? Template { get; init; }
    [Id(6)] public string? Node { get; init; }
    [Id(7)] public TaskState State { get; init; }
    /// <summary>Running while the orchestrator wants it, Shutdown once it does not.</summary>
    [Id(8)] public TaskState DesiredState { get; init; } = TaskState.Running;
    [Id(9)] public string Message { get; init; } = "";
    [Id(10)] public string? Error { get; init; }
    [Id(11)] public string? ContainerId { get; init; }
    [Id(12)] public int? ExitCode { get; init; }
    [Id(13)] public DateTimeOffset CreatedAt { get; init; }
    [Id(14)] public DateTimeOffset UpdatedAt { get; init; }
    [Id(15)] public long Version { get; init; }

    public bool Exists => Id.Length > 0;

    /// <summary>docker's task name: "service.slot" (global: "service.node").</summary>
    public string Name => Slot > 0 ? $"{ServiceName}.{Slot}" : $"{ServiceName}.{Node}";

    /// <summary>The container's name on its node, unique per task like swarm's.</summary>
    public string ContainerName => $"{Name}.{Id}";
}
