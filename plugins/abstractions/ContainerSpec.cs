namespace Flotilla.Plugins;

/// <summary>Everything a runtime needs to run one container. Resolved by the daemon: no image lookups left to do.</summary>
public sealed record ContainerSpec
{
    public required string Id { get; init; }

    /// <summary>The user-facing name, without the leading slash.</summary>
    public required string Name { get; init; }

    public required string Hostname { get; init; }

    /// <summary>The root filesystem: read-only image layers plus a writable directory for this container.</summary>
    public required RootFilesystem Rootfs { get; init; }

    /// <summary>argv of the process (entrypoint and command already joined). Never empty.</summary>
    public required IReadOnlyList<string> Args { get; init; }

    /// <summary>"KEY=value" entries, image defaults first, then the user's.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    /// <summary>Absolute path inside the container; "/" when unset.</summary>
    public string WorkingDir { get; init; } = "/";

    /// <summary>"uid", "uid:gid", "name" or "name:group"; resolved against the image's /etc/passwd by the runtime.</summary>
    public string? User { get; init; }

    public IReadOnlyList<MountSpec> Mounts { get; init; } = [];

    public ResourceLimits Resources { get; init; } = new();

    public bool OpenStdin { get; init; }

    public bool Tty { get; init; }

    /// <summary>The terminal's size from the start (with <see cref="Tty"/>); null leaves the runtime's default.</summary>
    public TerminalSize? ConsoleSize { get; init; }

    /// <summary>Where the container's network comes from: a new empty namespace (the default), the host's, or a
    /// namespace a network driver made and wired.</summary>
    public ContainerNetwork Network { get; init; } = ContainerNetwork.None;

    /// <summary>Labels a runtime may use for its own bookkeeping; not interpreted.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

/// <param name="Layers">Unpacked image layer directories, lowest first. Never written to.</param>
/// <param name="ScratchDirectory">An empty directory that belongs to this container alone: the runtime keeps its
/// writable layer, bundle and other per-container files in it; the daemon deletes it after <see cref="IContainerRuntime.DeleteAsync"/>.</param>
public sealed record RootFilesystem(IReadOnlyList<string> Layers, string ScratchDirectory);

/// <param name="Source">Absolute host path (a volume's directory or a bind-mounted path); unused for a tmpfs.</param>
/// <param name="Destination">Absolute path inside the container.</param>
/// <param name="Tmpfs">Set for a fresh tmpfs (memory-backed, gone with the container) instead of a host path.</param>
public sealed record MountSpec(string Source, string Destination, bool ReadOnly = false, TmpfsOptions? Tmpfs = null);

/// <param name="SizeBytes">Size limit; 0 means the kernel's default (half the memory).</param>
/// <param name="Mode">Permission bits of its root, e.g. 0o1777 (the default).</param>
public sealed record TmpfsOptions(long SizeBytes = 0, int Mode = 0x3FF /* 01777 */);

/// <param name="MemoryBytes">Hard memory limit; 0 means none.</param>
/// <param name="NanoCpus">CPU quota in billionths of a CPU (docker's NanoCpus: 0.5 CPU = 500_000_000); 0 means none.</param>
public sealed record ResourceLimits(long MemoryBytes = 0, long NanoCpus = 0);

/// <param name="NamespacePath">A network namespace to join (bound to a file); null with <paramref name="Host"/> false
/// means a new namespace with only a loopback interface.</param>
/// <param name="Host">Share the host's network namespace.</param>
/// <param name="Nameservers">What the container's resolv.conf lists; empty for none.</param>
/// <param name="Address">The container's address, written to its /etc/hosts for its hostname.</param>
public sealed record ContainerNetwork(string? NamespacePath = null, bool Host = false, IReadOnlyList<string>? Nameservers = null, string? Address = null)
{
    public static ContainerNetwork None { get; } = new();
}
