namespace Flotilla.Grains.Swarm;

[GenerateSerializer]
public sealed class SwarmState
{
    [Id(0)] public string ClusterId { get; set; } = "";
    [Id(1)] public DateTimeOffset CreatedAt { get; set; }
    [Id(2)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(3)] public string WorkerSecret { get; set; } = "";
    [Id(4)] public string ManagerSecret { get; set; } = "";
    [Id(5)] public long Version { get; set; }
    /// <summary>Digest of the cluster CA certificate, which join tokens carry (the CA's key is never here: every node reads this store).</summary>
    [Id(6)] public string CaDigest { get; set; } = "";
    /// <summary>How long node certificates that managers sign from now on are valid.</summary>
    [Id(7)] public TimeSpan NodeCertExpiry { get; set; } = SwarmInfo.DefaultNodeCertExpiry;
}
