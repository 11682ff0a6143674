namespace Flotilla.Grains.Containers;

/// <summary>What a user asked for: image defaults are not merged in yet.</summary>
[GenerateSerializer, Immutable]
public sealed record ContainerCreateArgs
{
    [Id(0)] public string? Name { get; init; }
    [Id(1)] public required string Image { get; init; }
    [Id(2)] public string[]? Entrypoint { get; init; }
    [Id(3)] public string[]? Cmd { get; init; }
    [Id(4)] public string[] Env { get; init; } = [];
    [Id(5)] public string? WorkingDir { get; init; }
    [Id(6)] public string? User { get; init; }
    [Id(7)] public string? Hostname { get; init; }
    [Id(8)] public Dictionary<string, string> Labels { get; init; } = new();
    [Id(9)] public string? Runtime { get; init; }
    [Id(10)] public bool AutoRemove { get; init; }
    /// <summary>docker's "-v" strings: "name:/dst[:ro]" or "/host:/dst[:ro]".</summary>
    [Id(11)] public string[] Binds { get; init; } = [];
    [Id(12)] public long MemoryBytes { get; init; }
    [Id(13)] public long NanoCpus { get; init; }
    [Id(14)] public bool OpenStdin { get; init; }
    [Id(15)] public bool Tty { get; init; }
    /// <summary>docker's HostConfig.Mounts: the structured form, beside <see cref="Binds"/>.</summary>
    [Id(16)] public MountRequest[] Mounts { get; init; } = [];
    /// <summary>docker's HostConfig.NetworkMode: "none", "host", a network's name or id; null or "default" for "bridge".</summary>
    [Id(17)] public string? NetworkMode { get; init; }
    [Id(18)] public PublishedPort[] Ports { get; init; } = [];
    /// <summary>docker's --network-alias: more names for the container in DNS on its network.</summary>
    [Id(19)] public string[] NetworkAliases { get; init; } = [];
    /// <summary>A task's addresses on overlay networks, which the swarm gave it; the container joins those networks.</summary>
    [Id(20)] public Networks.NetworkAttachment[] Attachments { get; init; } = [];
    /// <summary>docker's HostConfig.ConsoleSize, [height, width]: the terminal's size from the start (with <see cref="Tty"/>).</summary>
    [Id(21)] public int[]? ConsoleSize { get; init; }
}

/// <summary>"-p HOSTPORT:CONTAINERPORT/PROTOCOL".</summary>
[GenerateSerializer, Immutable]
public sealed record PublishedPort([property: Id(0)] int HostPort, [property: Id(1)] int ContainerPort, [property: Id(2)] string Protocol = "tcp");

/// <summary>One entry of docker's HostConfig.Mounts, as the user gave it.</summary>
/// <param name="Type">"bind", "volume" or "tmpfs" (docker also knows "npipe", "cluster" and "image": refused).</param>
[GenerateSerializer, Immutable]
public sealed record MountRequest(
    [property: Id(0)] string Type,
    [property: Id(1)] string? Source,
    [property: Id(2)] string Target,
    [property: Id(3)] bool ReadOnly,
    [property: Id(4)] long TmpfsSizeBytes = 0,
    [property: Id(5)] int TmpfsMode = 0);
