namespace Flotilla.Grains.Swarm;

/// <summary>
/// The swarm itself (one per cluster, key "swarm"): its identity, the digest of its CA and the join tokens that admit nodes.
/// </summary>
public interface ISwarmGrain : IGrainWithStringKey
{
    /// <summary>Starts the swarm with <paramref name="firstNode"/> as its first manager; again, it changes nothing.</summary>
    Task<SwarmInfo> InitAsync(string clusterId, string caDigest, NodeDescription firstNode);

    /// <summary>Null until the swarm has been initialised.</summary>
    Task<SwarmInfo?> GetAsync();

    /// <summary>Replaces the join token of <paramref name="role"/>; the old one stops admitting at once.</summary>
    Task<SwarmInfo> RotateTokenAsync(NodeRole role);

    /// <summary>Sets how long node certificates signed from now on are valid; each node renews at about half of it.</summary>
    Task<SwarmInfo> SetNodeCertExpiryAsync(TimeSpan expiry);

    /// <summary>
    /// Admits a node that presents <paramref name="token"/>, with the role the token grants, and returns its record
    /// (whose id its certificate names). A wrong token, or one of another swarm, is refused (Unauthorized) and changes nothing.
    /// </summary>
    Task<NodeRecord> AdmitAsync(string token, NodeDescription node);
}
