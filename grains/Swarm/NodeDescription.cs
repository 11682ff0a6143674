namespace Flotilla.Grains.Swarm;

/// <summary>What a node reports of itself when it joins and each time its daemon starts.</summary>
/// <param name="HostedBy">
/// The node whose daemon runs this node's tasks and containers, when it has no daemon of its own (as virtual-kubelet
/// and kubemark's hollow nodes stand in for machines); null for a node with its own daemon. Such a node is ready while
/// its host is, and its node and container grains live on its host's silo.
/// </param>
[GenerateSerializer, Immutable]
public sealed record NodeDescription(
    [property: Id(0)] string Name,
    [property: Id(1)] string Address,
    [property: Id(2)] int Cpus,
    [property: Id(3)] long MemoryBytes,
    [property: Id(4)] string[] Runtimes,
    [property: Id(5)] string Os = "linux",
    [property: Id(6)] string Architecture = "x86_64",
    [property: Id(7)] string EngineVersion = "",
    [property: Id(8)] int SwarmPort = 2377,
    [property: Id(9)] string? HostedBy = null)
{
    /// <summary>The node whose silo runs this node's work: itself, or its host.</summary>
    public string Silo => HostedBy ?? Name;
}
