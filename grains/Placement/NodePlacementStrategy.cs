using Orleans.Runtime;

namespace Flotilla.Grains.Placement;

/// <summary>
/// Places a grain on the silo of the node named by the first segment of its key ("node/…"). A container's grain
/// must live where its processes run: it talks to that node's runtime plugin directly.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class NodePlacementStrategy : PlacementStrategy
{
    public static NodePlacementStrategy Instance { get; } = new();
}
