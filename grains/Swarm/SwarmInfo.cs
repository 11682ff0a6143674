namespace Flotilla.Grains.Swarm;

/// <summary>What <c>swarm inspect</c> shows: the cluster's id, when it began and its current join tokens and how long node certificates last.</summary>
[GenerateSerializer, Immutable]
public sealed record SwarmInfo(
    [property: Id(0)] string ClusterId,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] DateTimeOffset UpdatedAt,
    [property: Id(3)] string WorkerToken,
    [property: Id(4)] string ManagerToken,
    [property: Id(5)] long Version,
    [property: Id(6)] TimeSpan NodeCertExpiry)
{
    /// <summary>swarmkit's default: 90 days.</summary>
    public static readonly TimeSpan DefaultNodeCertExpiry = TimeSpan.FromDays(90);
}
