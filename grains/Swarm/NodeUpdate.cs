namespace Flotilla.Grains.Swarm;

/// <summary>A change to a node's spec (docker's NodeSpec): the fields given replace the current ones.</summary>
[GenerateSerializer, Immutable]
public sealed record NodeUpdate(
    [property: Id(0)] NodeRole? Role,
    [property: Id(1)] NodeAvailability? Availability,
    [property: Id(2)] Dictionary<string, string>? Labels,
    [property: Id(3)] long? Version);
