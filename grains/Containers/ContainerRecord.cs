namespace Flotilla.Grains.Containers;

/// <summary>Everything the node knows of one container: its resolved configuration and its current state.
/// It is the container grain's persistent state and what inspect shows.</summary>
[GenerateSerializer]
public sealed record ContainerRecord
{
    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public string Name { get; init; } = "";
    [Id(2)] public string Node { get; init; } = "";
    /// <summary>The image as the user named it.</summary>
    [Id(3)] public string Image { get; init; } = "";
    [Id(4)] public string ImageId { get; init; } = "";
    [Id(5)] public string[] Args { get; init; } = [];
    [Id(6)] public string[] Env { get; init; } = [];
    [Id(7)] public string WorkingDir { get; init; } = "/";
    [Id(8)] public string? User { get; init; }
    [Id(9)] public string Hostname { get; init; } = "";
    [Id(10)] public Dictionary<string, string> Labels { get; init; } = new();
    [Id(11)] public string Runtime { get; init; } = "";
    [Id(12)] public bool AutoRemove { get; init; }
    [Id(13)] public ContainerMount[] Mounts { get; init; } = [];
    [Id(14)] public long MemoryBytes { get; init; }
    [Id(15)] public long NanoCpus { get; init; }
    [Id(16)] public bool OpenStdin { get; init; }
    [Id(17)] public bool Tty { get; init; }
    [Id(18)] public DateTimeOffset CreatedAt { get; init; }
    [Id(19)] public ContainerLifecycle Status { get; init; }
    [Id(20)] public int? Pid { get; init; }
    [Id(21)] public DateTimeOffset? StartedAt { get; init; }
    [Id(22)] public DateTimeOffset? FinishedAt { get; init; }
    [Id(23)] public int ExitCode { get; init; }
    [Id(24)] public bool OomKilled { get; init; }
    [Id(25)] public string? Error { get; init; }
    /// <summary>The user's Entrypoint and Cmd as given (for inspect's Config).</summary>
    [Id(26)] public string[]? Entrypoint { get; init; }
    [Id(27)] public string[]? Cmd { get; init; }
    [Id(28)] public string ScratchDirectory { get; init; } = "";
    [Id(29)] public string[] Binds { get; init; } = [];
    /// <summary>"none", "host" or the network the container was created on.</summary>
    [Id(30)] public string NetworkMode { get; init; } = "none";
    [Id(31)] public PublishedPort[] Ports { get; init; } = [];
    [Id(32)] public ContainerEndpoint[] Endpoints { get; init; } = [];
    /// <summary>A standalone container on an attachable overlay network: its swarm addresses go with it.</summary>
    [Id(33)] public bool HoldsSwarmAddresses { get; init; }
    /// <summary>[height, width] of the terminal from the start, when the user gave it (<see cref="ContainerCreateArgs.ConsoleSize"/>).</summary>
    [Id(34)] public int[]? ConsoleSize { get; init; }

    public bool Exists => Status is not ContainerLifecycle.Removed && Id.Length > 0;
}

/// <param name="Address">With its prefix length ("10.1.0.2/24").</param>
[GenerateSerializer, Immutable]
public sealed record ContainerEndpoint(
    [property: Id(0)] string NetworkId,
    [property: Id(1)] string NetworkName,
    [property: Id(2)] string Address,
    [property: Id(3)] string Gateway,
    [property: Id(4)] string MacAddress);
