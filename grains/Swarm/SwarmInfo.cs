namespace Flotilla.Grains.Swarm;

/// <summary>What <c>swarm inspect</c> shows: the cluster's id, when it began and its current join tokens.</summary>
[GenerateSerializer, Immutable]
public sealed record SwarmInfo(
    [property: Id(0)] string ClusterId,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] DateTimeOffset UpdatedAt,
    [property: Id(3)] string WorkerToken,
    [property: Id(4)] string ManagerToken,
    [property: Id(5)] long Version);
