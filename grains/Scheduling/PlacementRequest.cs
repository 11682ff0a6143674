namespace Flotilla.Grains.Scheduling;

/// <summary>A task to place. <see cref="Node"/> pins it to one node (global services).</summary>
[GenerateSerializer, Immutable]
public sealed record PlacementRequest(
    [property: Id(0)] string TaskId,
    [property: Id(1)] string ServiceId,
    [property: Id(2)] string[] Constraints,
    [property: Id(3)] long NanoCpus,
    [property: Id(4)] long MemoryBytes,
    [property: Id(5)] string? Runtime,
    [property: Id(6)] string? Node = null);

/// <summary>Where a task goes, or why it can't go anywhere yet (docker's "no suitable node (…)").</summary>
[GenerateSerializer, Immutable]
public sealed record PlacementDecision(
    [property: Id(0)] string TaskId,
    [property: Id(1)] string? Node,
    [property: Id(2)] string? NodeId,
    [property: Id(3)] string Message);
