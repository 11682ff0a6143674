namespace Flotilla.Grains.Swarm;

/// <summary>
/// This silo's copy of the swarm's node list, for the scheduler and the services, which read it at every placement
/// round. With a thousand nodes, copying the list from the registry (serialized whenever it crossed silos) cost more
/// than the placements themselves; now the registry sends it only when it changed.
/// </summary>
public sealed class NodeDirectory(IGrainFactory grains)
{
    private NodeList? _copy;

    public async Task<IReadOnlyList<NodeView>> ListAsync()
    {
        var copy = Volatile.Read(ref _copy);
        if (await grains.GetGrain<INodeRegistryGrain>("nodes").ListIfChangedAsync(copy?.Version) is { } changed)
        {
            // Two rounds at once may store their answers in either order: an older copy only costs one more transfer.
            Volatile.Write(ref _copy, copy = changed);
        }

        return copy!.Nodes;
    }
}
