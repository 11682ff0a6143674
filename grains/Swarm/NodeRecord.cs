namespace Flotilla.Grains.Swarm;

/// <summary>The cluster's view of one node: what it is (description), what users set (role, availability, labels).</summary>
[GenerateSerializer]
public sealed record NodeRecord
{
    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public required NodeDescription Description { get; init; }
    [Id(2)] public NodeRole Role { get; init; }
    [Id(3)] public NodeAvailability Availability { get; init; }
    [Id(4)] public Dictionary<string, string> Labels { get; init; } = new();
    [Id(5)] public DateTimeOffset CreatedAt { get; init; }
    [Id(6)] public DateTimeOffset UpdatedAt { get; init; }
    [Id(7)] public long Version { get; init; }
}
