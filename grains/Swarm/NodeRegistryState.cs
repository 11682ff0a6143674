namespace Flotilla.Grains.Swarm;

[GenerateSerializer]
public sealed class NodeRegistryState
{
    /// <summary>By node name (a silo's name is its node's name).</summary>
    [Id(0)] public Dictionary<string, NodeRecord> Nodes { get; set; } = new(StringComparer.Ordinal);
}
