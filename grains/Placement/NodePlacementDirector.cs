using System.Collections.Concurrent;
using Flotilla.Grains.Swarm;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Flotilla.Grains.Placement;

/// <summary>
/// Finds the silo whose name is the node named in the grain's key. Silos are named after their node; a node hosted by
/// another (<see cref="NodeDescription.HostedBy"/>) lives on its host's silo.
/// </summary>
public sealed class NodePlacementDirector(IClusterMembershipService membership, IGrainFactory grains) : IPlacementDirector
{
    /// <summary>Hosted node → its host, as the node registry said; a node's host never changes while it is admitted.</summary>
    private readonly ConcurrentDictionary<string, string> _hosts = new(StringComparer.Ordinal);

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var node = NodeScopedKey.NodeOf(target.GrainIdentity.Key.ToString()!);
        var compatible = context.GetCompatibleSilos(target);
        if ((Find(node, compatible) ?? Find(await HostOfAsync(node), compatible)) is { } silo)
        {
            return silo;
        }

        throw new OrleansException($"Node '{node}' is not an active member of the cluster, so its grain {target.GrainIdentity} cannot be activated.");
    }

    private SiloAddress? Find(string? name, SiloAddress[] compatible) =>
        name is null
            ? null
            : membership.CurrentSnapshot.Members.Values
                .FirstOrDefault(m => m.Status == SiloStatus.Active && m.Name == name && compatible.Contains(m.SiloAddress))?.SiloAddress;

    private async Task<string?> HostOfAsync(string node)
    {
        if (_hosts.TryGetValue(node, out var host))
        {
            return host;
        }

        try
        {
            host = (await grains.GetGrain<INodeRegistryGrain>("nodes").GetAsync(node)).Record.Description.HostedBy;
        }
        catch (FlotillaException)
        {
            // Not a swarm node (or no swarm at all): nothing hosts it.
            return null;
        }

        return host is null ? null : _hosts.GetOrAdd(node, host);
    }
}
