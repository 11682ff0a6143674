using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Flotilla.Grains.Placement;

/// <summary>Finds the silo whose name is the node named in the grain's key. Silos are named after their node.</summary>
public sealed class NodePlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var node = NodeScopedKey.NodeOf(target.GrainIdentity.Key.ToString()!);
        var compatible = context.GetCompatibleSilos(target);
        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            if (member.Status == SiloStatus.Active && member.Name == node && compatible.Contains(member.SiloAddress))
            {
                return Task.FromResult(member.SiloAddress);
            }
        }

        throw new OrleansException($"Node '{node}' is not an active member of the cluster, so its grain {target.GrainIdentity} cannot be activated.");
    }
}
