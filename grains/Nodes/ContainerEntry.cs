namespace Flotilla.Grains.Nodes;

/// <summary>The node's index entry for one of its containers: enough to resolve names and to know what is in use.</summary>
[GenerateSerializer, Immutable]
public sealed record ContainerEntry(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string ImageId,
    [property: Id(3)] string[] Volumes,
    [property: Id(4)] DateTimeOffset CreatedAt);
