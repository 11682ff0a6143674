namespace Flotilla.Grains.Nodes;

[GenerateSerializer]
public sealed class NodeState
{
    [Id(0)] public Dictionary<string, ContainerEntry> Containers { get; set; } = new(StringComparer.Ordinal);
}
