using Orleans.Placement;

namespace Flotilla.Grains.Placement;

/// <summary>Marks a grain class whose key starts with the name of the node it must live on.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class NodePlacementAttribute() : PlacementAttribute(NodePlacementStrategy.Instance);
