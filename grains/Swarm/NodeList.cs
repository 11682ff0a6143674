namespace Flotilla.Grains.Swarm;

/// <summary>Which node list a copy is: the registry activation's, after so many changes, at a membership version.</summary>
[GenerateSerializer, Immutable]
public readonly record struct NodeListVersion(
    [property: Id(0)] Guid Registry,
    [property: Id(1)] long Changes,
    [property: Id(2)] long Membership);

/// <summary>Every node, by name, as <see cref="INodeRegistryGrain.ListAsync"/> lists them, and which list it is.</summary>
[GenerateSerializer, Immutable]
public sealed record NodeList([property: Id(0)] NodeListVersion Version, [property: Id(1)] IReadOnlyList<NodeView> Nodes);
