namespace Flotilla.Grains.Scheduling;

/// <summary>What one placed task holds on its node.</summary>
[GenerateSerializer, Immutable]
public sealed record Reservation(
    [property: Id(0)] string Node,
    [property: Id(1)] string ServiceId,
    [property: Id(2)] long NanoCpus,
    [property: Id(3)] long MemoryBytes);
