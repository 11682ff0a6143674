using Orleans.Concurrency;

namespace Flotilla.Grains.Swarm;

/// <summary>
/// Every node of the swarm (one per cluster, key "nodes"). A node is admitted by a join token, registers each time
/// its daemon starts, and is ready while its silo is an active cluster member.
/// </summary>
public interface INodeRegistryGrain : IGrainWithStringKey
{
    /// <summary>Records an admitted node (from <see cref="ISwarmGrain.AdmitAsync"/>) with its role.</summary>
    Task<NodeRecord> AdmitAsync(NodeDescription node, NodeRole role);

    /// <summary>A node's daemon started: refresh its description. Refused for a node that was never admitted.</summary>
    Task<NodeRecord> RegisterAsync(NodeDescription node);

    [AlwaysInterleave]
    Task<IReadOnlyList<NodeView>> ListAsync();

    /// <summary>
    /// The list, unless <paramref name="known"/> is still its version (then null). Readiness follows the cluster's
    /// membership, so a membership change is a new version too.
    /// </summary>
    [AlwaysInterleave]
    Task<NodeList?> ListIfChangedAsync(NodeListVersion? known);

    /// <summary>By id, unique id prefix or name.</summary>
    [AlwaysInterleave]
    Task<NodeView> GetAsync(string idOrName);

    Task<NodeView> UpdateAsync(string idOrName, NodeUpdate update);

    /// <summary>Removes a node from the swarm; one that is still up only with <paramref name="force"/>.</summary>
    Task RemoveAsync(string idOrName, bool force);

    /// <summary>A node leaves of its own accord (<c>swarm leave</c>).</summary>
    Task LeaveAsync(string name);

    /// <summary>Whether <paramref name="name"/> is an admitted node (checked when its daemon starts).</summary>
    [AlwaysInterleave]
    Task<bool> IsMemberAsync(string name);
}
