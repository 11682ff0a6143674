namespace Flotilla.Plugins;

/// <summary>
/// One isolation backend (native Linux containers, a VM per container, ...). A runtime owns a container from
/// <see cref="CreateAsync"/> to <see cref="DeleteAsync"/>; it keeps the process, its output and its exit code alive
/// and readable while the daemon is down, and finds them again through <see cref="ListAsync"/> when it comes back.
/// All ids are the daemon's container ids (64 hex characters).
/// </summary>
public interface IContainerRuntime
{
    /// <summary>The name users select with <c>--runtime</c> ("linux", "kvm", ...).</summary>
    string Name { get; }

    /// <summary>
    /// Null when this runtime can run containers on this host; otherwise what the host lacks ("needs Windows ...").
    /// An unavailable runtime is still listed, so users learn why it cannot be selected.
    /// </summary>
    string? UnavailableReason => null;

    /// <summary>Facts for <c>flotilla info</c>: versions, cgroup mode, warnings.</summary>
    RuntimeDescription Describe();

    /// <summary>Prepares everything the container needs (bundle, root filesystem) without running anything.</summary>
    Task CreateAsync(ContainerSpec spec, CancellationToken ct);

    /// <summary>
    /// Starts the container's process, or starts it again after it exited (its filesystem changes and log kept). When <paramref name="attach"/> is true the returned stream is connected
    /// before the process runs, so it sees every byte of output; otherwise it is null.
    /// </summary>
    Task<IContainerStreams?> StartAsync(string id, bool attach, CancellationToken ct);

    /// <summary>Connects to the output (and stdin) of a running container from now on.</summary>
    Task<IContainerStreams> AttachAsync(string id, CancellationToken ct);

    Task<ContainerStatus> GetStatusAsync(string id, CancellationToken ct);

    /// <summary>Completes when the container's process has exited (at once if it already has).</summary>
    Task<ContainerExit> WaitAsync(string id, CancellationToken ct);

    Task KillAsync(string id, int signal, CancellationToken ct);

    /// <summary>Removes the container and everything the runtime made for it. Fails if it still runs.</summary>
    Task DeleteAsync(string id, CancellationToken ct);

    /// <summary>Ids of every container this runtime still holds, for re-adoption after a daemon restart.</summary>
    Task<IReadOnlyList<string>> ListAsync(CancellationToken ct);

    /// <summary>The container's output, oldest first; with <paramref name="follow"/> it goes on until the container exits.</summary>
    IAsyncEnumerable<LogEntry> ReadLogsAsync(string id, bool follow, CancellationToken ct);

    /// <summary>Runs another process inside a running container.</summary>
    Task<IExecProcess> ExecAsync(string id, ExecSpec spec, CancellationToken ct);

    /// <summary>
    /// Sets the size of a running container's terminal (one started with <see cref="ContainerSpec.Tty"/>); its
    /// foreground processes get SIGWINCH, as when a terminal window is resized.
    /// </summary>
    Task ResizeTerminalAsync(string id, TerminalSize size, CancellationToken ct) =>
        throw new PluginException($"the {Name} runtime cannot resize a container's terminal", PluginErrorKind.NotSupported);
}
