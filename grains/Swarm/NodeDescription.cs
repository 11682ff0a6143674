namespace Flotilla.Grains.Swarm;

/// <summary>What a node reports of itself when it joins and each time its daemon starts.</summary>
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
    [property: Id(8)] int SwarmPort = 2377);
