using Flotilla.Grains.Services;
using Flotilla.Plugins;
using Orleans.Concurrency;

namespace Flotilla.Grains.Networks;

/// <summary>
/// The swarm's overlay networks (one per cluster, key "networks"): their addresses, the services' virtual IPs, and
/// what each node must program. Every node asks for its plan twice a second and applies it when it changed.
/// </summary>
public interface INetworkRegistryGrain : IGrainWithStringKey
{
    Task<OverlayNetworkRecord> CreateAsync(OverlayNetworkSpec spec);

    /// <summary>Refused while a service or container uses the network.</summary>
    Task RemoveAsync(string nameOrId);

    [AlwaysInterleave]
    Task<OverlayNetworkRecord[]> ListAsync();

    /// <summary>Null when there is no overlay network of that name, id or id prefix.</summary>
    [AlwaysInterleave]
    Task<OverlayNetworkRecord?> FindAsync(string nameOrId);

    /// <summary>A service was created or updated: its networks, virtual IP and published ports.</summary>
    Task<ServiceEndpoint> AttachServiceAsync(string serviceId, string serviceName, string[] networks, PortConfig[] ports);

    Task DetachServiceAsync(string serviceId);

    /// <summary>Addresses for a task (on its service's networks) or an attachable container (on <paramref name="networks"/>).</summary>
    Task<NetworkAttachment[]> AllocateAsync(string owner, string node, string containerName, string[] aliases, string? serviceId, string[] networks);

    /// <summary>Whether the owner's container runs: only running ones are balanced to and listed in tasks.SERVICE.</summary>
    Task SetActiveAsync(string owner, bool active);

    /// <param name="networkId">Only the address on that network; null: all of the owner's.</param>
    Task ReleaseAsync(string owner, string? networkId = null);

    /// <summary>The node's plan, or null when nothing changed since <paramref name="knownVersion"/>.</summary>
    Task<(long Version, OverlayPlan? Plan)> PlanAsync(string node, string underlayAddress, long knownVersion);
}
