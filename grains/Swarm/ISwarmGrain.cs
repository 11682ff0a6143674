namespace Flotilla.Grains.Swarm;

/// <summary>
/// The swarm itself (one per cluster, key "swarm"): its identity and the join tokens that admit nodes.
/// </summary>
public interface ISwarmGrain : IGrainWithStringKey
{
    /// <summary>Starts the swarm with <paramref name="firstNode"/> as its first manager; again, it changes nothing.</summary>
    Task<SwarmInfo> InitAsync(string clusterId, NodeDescription firstNode);

    /// <summary>Null until the swarm has been initialised.</summary>
    Task<SwarmInfo?> GetAsync();

    /// <summary>Replaces the join token of <paramref name="role"/>; the old one stops admitting at once.</summary>
    Task<SwarmInfo> RotateTokenAsync(NodeRole role);

    /// <summary>
    /// Admits a node that presents <paramref name="token"/>, with the role the token grants. A wrong token, or one
    /// of another swarm, is refused (Unauthorized) and changes nothing.
    /// </summary>
    Task<NodeRole> AdmitAsync(string token, NodeDescription node);
}
