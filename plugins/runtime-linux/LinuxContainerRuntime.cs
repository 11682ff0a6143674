using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flotilla.Plugins;
using Microsoft.Extensions.Logging;

namespace Flotilla.Runtime.Linux;

/// <summary>
/// Native Linux containers: an OCI bundle per container over an overlayfs root, created and started by crun (or
/// runc) under our monitor (monitor.c), which keeps the process, its log and its exit code while the daemon is away.
/// </summary>
public sealed partial class LinuxContainerRuntime : IContainerRuntime
{
    private readonly RuntimeSettings _settings;
    private readonly ILogger _logger;
    private readonly CgroupLayout _cgroups;
    private readonly CgroupMovePrimer _movePrimer;
    private readonly RuntimeMountNamespace? _mountNamespace;
    private readonly OciRuntimeCommand _oci;
    private readonly ExitWatch _exits;

    public LinuxContainerRuntime(RuntimeSettings settings, ILoggerFactory logs)
    {
        _settings = settings;
        _logger = logs.CreateLogger("runtime-linux");
        foreach (var binary in new[] { settings.OciRuntimePath, settings.MonitorPath })
        {
            if (!File.Exists(binary))
            {
                throw new PluginException(binary == settings.MonitorPath
                    ? $"{binary} is missing: build the plugin with gcc installed (scripts/install-deps, scripts/build)."
                    : $"{binary} is missing: install it (apt-get install {Path.GetFileName(binary)}).", PluginErrorKind.NotSupported);
            }
        }

        _cgroups = CgroupLayout.Detect();
        _movePrimer = CgroupMovePrimer.For(_cgroups);
        Directory.CreateDirectory(IndexDirectory);
        Directory.CreateDirectory(ExitDirectory);
        Directory.CreateDirectory(SocketDirectory);
        var shared = Path.Combine(settings.RunDirectory, "rootfs");
        if (settings.OciRuntime == "crun" && _cgroups.CrunRefusesIt)
        {
            _mountNamespace = new RuntimeMountNamespace(Path.Combine(settings.RunDirectory, "mntns"), shared);
            _mountNamespace.EnsureCreated();
            _logger.LogWarning(
                "This host mounts cgroups in hybrid mode with controllers ({Controllers}) on {Unified}, which Debian's crun 1.8 refuses. " +
                "crun runs in a mount namespace of its own without that mount, so containers use the cgroup v1 hierarchies.",
                string.Join(",", _cgroups.UnifiedControllers), CgroupLayout.UnifiedMount);
        }

        Directory.CreateDirectory(shared);
        _oci = new OciRuntimeCommand(settings, _mountNamespace);
        _exits = new ExitWatch(ExitDirectory);
    }

    public string Name => "linux";

    private string IndexDirectory => Path.Combine(_settings.DataDirectory, "containers");

    private string ExitDirectory => Path.Combine(_settings.RunDirectory, "exits");

    private string SocketDirectory => Path.Combine(_settings.RunDirectory, "s");

    public RuntimeDescription Describe()
    {
        var warnings = new List<string>();
        if (_mountNamespace is not null)
        {
            warnings.Add($"cgroups are in hybrid mode with {string.Join(",", _cgroups.UnifiedControllers)} on the cgroup2 hierarchy, which crun 1.8 refuses: " +
                         "crun runs in a mount namespace without /sys/fs/cgroup/unified, so containers are limited through cgroup v1 (no hugetlb limits).");
        }

        return new RuntimeDescription(Name,
        [
            new("OCI runtime", _settings.OciRuntimePath),
            new("cgroup version", _cgroups.Version),
            new("cgroup driver", "cgroupfs"),
            new("cgroup mode", _cgroups.Mode.ToString().ToLowerInvariant()),
            new("monitor", _settings.MonitorPath),
        ], warnings);
    }

    public async Task CreateAsync(ContainerSpec spec, CancellationToken ct)
    {
        _movePrimer.Prime();
        var trace = new StepTrace(_logger, "runtime create", spec.Id);
        var files = Files(spec.Id, spec.Rootfs.ScratchDirectory);
        Directory.CreateDirectory(files.Bundle);
        Directory.CreateDirectory(files.Upper);
        Directory.CreateDirectory(files.Work);
        Directory.CreateDirectory(files.Persist);
        Directory.CreateDirectory(files.Rootfs);
        await File.WriteAllTextAsync(Path.Combine(IndexDirectory, spec.Id), spec.Rootfs.ScratchDirectory, ct);
        await File.WriteAllTextAsync(files.Hostname, spec.Hostname + "\n", ct);
        var network = spec.Network;
        var address = network.Address ?? (network.Host ? null : "127.0.1.1");
        await File.WriteAllTextAsync(files.Hosts,
            $"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n{(address is null ? "" : $"{address}\t{spec.Hostname}\n")}", ct);
        await File.WriteAllTextAsync(files.ResolvConf, network.Host ? await File.ReadAllTextAsync("/etc/resolv.conf", ct)
            : network.Nameservers is { Count: > 0 } servers ? string.Concat(servers.Select(n => $"nameserver {n}\n"))
            : "# This container has no network but its loopback interface.\n", ct);

        if (spec.OpenStdin)
        {
            await File.WriteAllTextAsync(Path.Combine(files.Scratch, "stdin"), "", ct);
        }

        var user = UserResolver.Resolve(spec.User, spec.Rootfs.Layers);
        trace.Step("files");
        MountOverlay(spec.Rootfs.Layers, files);
        trace.Step("overlay");
        var config = OciSpecBuilder.Build(spec, files.Rootfs, new OciSpecBuilder.Files(files.Hostname, files.Hosts, files.ResolvConf, NetworkNamespace(spec)), user,
            CgroupPath(spec.Id), _cgroups);
        await File.WriteAllTextAsync(files.Config, config.ToJsonString(), ct);
        trace.Step("config.json");
        trace.Done();
    }

    public async Task<IContainerStreams?> StartAsync(string id, bool attach, CancellationToken ct)
    {
        _movePrimer.Prime();
        var trace = new StepTrace(_logger, "runtime start", id);
        var files = FilesOf(id);
        if (!MountTable.IsMountPoint(files.Rootfs))
        {
            // The overlay went with a reboot or a cleanup: mount it again from the bundle's layers.
            throw new PluginException($"container {id}'s root filesystem is no longer mounted; remove the container and run a new one.", PluginErrorKind.Conflict);
        }

        if (File.Exists(files.MonitorPidFile))
        {
            await ClearPreviousRunAsync(id, files, ct);
        }

        var config = JsonNode.Parse(await File.ReadAllTextAsync(files.Config, ct))!;
        var tty = config["process"]?["terminal"]?.GetValue<bool>() ?? false;
        trace.Step("checks");
        var streams = await LaunchMonitorAsync(id, files, File.Exists(Path.Combine(files.Scratch, "stdin")), tty, attach, trace, ct);
        trace.Step(attach ? $"{_settings.OciRuntime} run" : $"monitor+{_settings.OciRuntime} run");
        trace.Done();
        return streams;
    }

    /// <summary>
    /// A restart (docker start of an exited container): the runtime's record of the last run and the monitor's
    /// exit files go; the bundle, the root filesystem with its writable layer and the log (appended to) stay.
    /// </summary>
    private async Task ClearPreviousRunAsync(string id, ContainerFiles files, CancellationToken ct)
    {
        if ((await GetStatusAsync(id, ct)).State == ContainerState.Running)
        {
            throw new PluginException($"container {id} is already running", PluginErrorKind.Conflict);
        }

        try
        {
            await _oci.RunAsync(ct, "delete", "--force", id);
        }
        catch (PluginException e)
        {
            _logger.LogDebug("{Runtime} delete {Id} before its restart: {Message}", _settings.OciRuntime, id, e.Message);
        }

        DeleteIfExists(Path.Combine(ExitDirectory, id));
        DeleteIfExists(AttachSocketPath(id));
    }

    public async Task<IContainerStreams> AttachAsync(string id, CancellationToken ct)
    {
        FilesOf(id);
        try
        {
            return await AttachSocketStreams.ConnectAsync(AttachSocketPath(id), ct);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new PluginException($"cannot attach to container {id}: it is not running ({e.Message})", PluginErrorKind.Conflict);
        }
    }

    public Task<ContainerStatus> GetStatusAsync(string id, CancellationToken ct)
    {
        if (!File.Exists(Path.Combine(IndexDirectory, id)))
        {
            return Task.FromResult(new ContainerStatus(ContainerState.Unknown));
        }

        var files = FilesOf(id);
        if (ReadExit(files) is { } exit)
        {
            return Task.FromResult(new ContainerStatus(ContainerState.Exited, StartedAt: StartedAt(files), Exit: exit));
        }

        if (ReadPid(files) is { } pid && IsContainerProcess(pid, id))
        {
            return Task.FromResult(new ContainerStatus(ContainerState.Running, pid, StartedAt(files)));
        }

        if (File.Exists(files.MonitorPidFile))
        {
            // The monitor ran, but neither the container nor an exit file is there: it was killed with its container.
            return Task.FromResult(new ContainerStatus(ContainerState.Exited, Exit: new ContainerExit(137, DateTimeOffset.UtcNow, Error: "the container's monitor was killed")));
        }

        return Task.FromResult(new ContainerStatus(ContainerState.Created));
    }

    public async Task<ContainerExit> WaitAsync(string id, CancellationToken ct)
    {
        var files = FilesOf(id);
        while (true)
        {
            var changed = _exits.NextChangeAsync(id, ct);
            if (ReadExit(files) is { } exit)
            {
                return exit;
            }

            if (ReadPid(files) is { } pid && !IsContainerProcess(pid, id) && !IsAlive(ReadMonitorPid(files)))
            {
                return ReadExit(files) ?? new ContainerExit(137, DateTimeOffset.UtcNow, Error: "the container's monitor was killed");
            }

            // The watch is the fast path; the timeout covers an event lost to a restart of the watcher.
            await Task.WhenAny(changed, Task.Delay(TimeSpan.FromSeconds(1), ct));
            ct.ThrowIfCancellationRequested();
        }
    }

    public async Task KillAsync(string id, int signal, CancellationToken ct)
    {
        var status = await GetStatusAsync(id, ct);
        if (status.State != ContainerState.Running)
        {
            throw new PluginException($"container {id} is not running", PluginErrorKind.Conflict);
        }

        await _oci.RunAsync(ct, "kill", id, signal.ToString());
    }

    /// <summary>
    /// The terminal's master lives in the monitor; its other side is the container's first process' stdin, stdout or
    /// stderr, which the daemon reaches through /proc (a resize on either side of a pseudo-terminal is the same).
    /// </summary>
    public async Task ResizeTerminalAsync(string id, TerminalSize size, CancellationToken ct)
    {
        var status = await GetStatusAsync(id, ct);
        if (status.State != ContainerState.Running || status.Pid is not { } pid)
        {
            throw new PluginException($"container {id} is not running", PluginErrorKind.Conflict);
        }

        var terminal = new[] { 0, 1, 2 }
            .Select(fd => $"/proc/{pid}/fd/{fd}")
            .FirstOrDefault(link => new FileInfo(link).LinkTarget is { } target && (target.StartsWith("/dev/pts/", StringComparison.Ordinal) || target == "/dev/console"))
            ?? throw new PluginException($"container {id} has no terminal on its standard streams (was it created with -t?)", PluginErrorKind.Conflict);
        Native.SetWindowSize(terminal, size);
    }

    public async Task DeleteAsync(string id, CancellationToken ct)
    {
        if (!File.Exists(Path.Combine(IndexDirectory, id)))
        {
            throw new PluginException($"no such container: {id}", PluginErrorKind.NotFound);
        }

        var trace = new StepTrace(_logger, "runtime delete", id);
        var files = FilesOf(id);
        if ((await GetStatusAsync(id, ct)).State == ContainerState.Running)
        {
            throw new PluginException($"container {id} is running: stop it first", PluginErrorKind.Conflict);
        }

        trace.Step("status");
        try
        {
            await _oci.RunAsync(ct, "delete", "--force", id);
        }
        catch (PluginException e)
        {
            _logger.LogDebug("{Runtime} delete {Id}: {Message}", _settings.OciRuntime, id, e.Message);
        }

        trace.Step($"{_settings.OciRuntime} delete");
        if (MountTable.IsMountPoint(files.Rootfs))
        {
            Native.Check(Native.umount2(files.Rootfs, Native.MNT_DETACH), $"unmount {files.Rootfs}");
        }

        trace.Step("umount");
        DeleteIfExists(files.Rootfs);
        var netns = NetworkNamespaceBind(id);
        if (MountTable.IsMountPoint(netns))
        {
            Native.Check(Native.umount2(netns, Native.MNT_DETACH), $"unmount {netns}");
        }

        File.Delete(netns);
        DeleteIfExists(Path.Combine(ExitDirectory, id));
        DeleteIfExists(AttachSocketPath(id));
        File.Delete(Path.Combine(IndexDirectory, id));
        trace.Step("files");
        trace.Done();
    }

    public Task<IReadOnlyList<string>> ListAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>([.. Directory.GetFiles(IndexDirectory).Select(Path.GetFileName).OfType<string>()]);

    public IAsyncEnumerable<LogEntry> ReadLogsAsync(string id, bool follow, CancellationToken ct)
    {
        var files = FilesOf(id);
        return K8sFileLog.ReadAsync(files.Log, () => File.Exists(files.ExitFile) || !File.Exists(files.MonitorPidFile), follow, ct);
    }

    public async Task<IExecProcess> ExecAsync(string id, ExecSpec spec, CancellationToken ct)
    {
        var files = FilesOf(id);
        if ((await GetStatusAsync(id, ct)).State != ContainerState.Running)
        {
            throw new PluginException($"container {id} is not running", PluginErrorKind.Conflict);
        }

        var config = JsonNode.Parse(await File.ReadAllTextAsync(files.Config, ct))!;
        var process = config["process"]!.DeepClone().AsObject();
        process["args"] = new JsonArray([.. spec.Args.Select(a => (JsonNode)a)]);
        var env = process["env"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
        foreach (var entry in spec.Env)
        {
            env.RemoveAll(e => e.Split('=')[0] == entry.Split('=')[0]);
            env.Add(entry);
        }

        process["env"] = new JsonArray([.. env.Select(e => (JsonNode)e)]);
        process["terminal"] = spec.Tty;
        process.Remove("consoleSize");
        if (spec.Tty && spec.ConsoleSize is { } size)
        {
            process["consoleSize"] = new JsonObject { ["height"] = size.Height, ["width"] = size.Width };
        }
        if (spec.WorkingDir is not null)
        {
            process["cwd"] = spec.WorkingDir;
        }

        if (spec.User is not null)
        {
            var layers = ReadLowerDirs(files);
            var (uid, gid) = UserResolver.Resolve(spec.User, layers);
            process["user"] = new JsonObject { ["uid"] = uid, ["gid"] = gid };
        }

        var processFile = Path.Combine(files.Scratch, $"exec-{Guid.NewGuid():N}.json");
        var runtimeLog = Path.ChangeExtension(processFile, ".log");
        await File.WriteAllTextAsync(processFile, process.ToJsonString(), ct);
        // In the run directory: a socket's path must stay under 108 bytes, which the container's directory may not.
        using var console = spec.Tty ? new ConsoleSocket(Path.Combine(_settings.RunDirectory, $"tty{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}.sock")) : null;
        var started = Process.Start(console is null
            ? _oci.StartInfo(["--log", runtimeLog], "exec", "--process", processFile, id)
            : _oci.StartInfo(["--log", runtimeLog], "exec", "--console-socket", console.Path, "--process", processFile, id))!;
        if (!spec.OpenStdin || console is not null)
        {
            started.StandardInput.Close();
        }

        _ = started.WaitForExitAsync(CancellationToken.None).ContinueWith(_ => File.Delete(processFile), TaskScheduler.Default);
        var terminal = console is null ? null : await console.ReceiveTerminalAsync(started.WaitForExitAsync(ct), ct);
        if (terminal is not null && spec.ConsoleSize is { } consoleSize)
        {
            // crun sets it too, but may do so after the process has started: set before anyone is told it runs.
            Native.SetWindowSize((int)terminal.SafeFileHandle.DangerousGetHandle(), consoleSize);
        }
        return new ProcessStreams(started, runtimeLog, terminal);
    }

    /// <summary>
    /// The network namespace path crun joins. When crun runs in its own mount namespace, a namespace bound to a file
    /// after that namespace was made is not visible there: it is bound again under the shared directory, which
    /// propagates.
    /// </summary>
    private string? NetworkNamespace(ContainerSpec spec)
    {
        if (spec.Network.NamespacePath is not { } path || _mountNamespace is null)
        {
            return spec.Network.NamespacePath;
        }

        var bind = NetworkNamespaceBind(spec.Id);
        if (!MountTable.IsMountPoint(bind))
        {
            File.WriteAllBytes(bind, []);
            Native.Check(Native.mount(path, bind, null, Native.MS_BIND, null), $"bind {path} to {bind}");
        }

        return bind;
    }

    private string NetworkNamespaceBind(string id) => Path.Combine(_settings.RunDirectory, "rootfs", id + ".netns");

    private ContainerFiles Files(string id, string scratch) => new(id, scratch, Path.Combine(_settings.RunDirectory, "rootfs", id));

    private ContainerFiles FilesOf(string id)
    {
        var index = Path.Combine(IndexDirectory, id);
        if (!File.Exists(index))
        {
            throw new PluginException($"no such container: {id}", PluginErrorKind.NotFound);
        }

        return Files(id, File.ReadAllText(index).Trim());
    }

    private static void DeleteIfExists(string path)
    {
        if ((File.Exists(path) || Directory.Exists(path)) && (File.GetAttributes(path) & FileAttributes.Directory) != 0 && (File.GetAttributes(path) & FileAttributes.ReparsePoint) == 0)
        {
            Directory.Delete(path);
        }
        else if (File.Exists(path) || new FileInfo(path).LinkTarget is not null)
        {
            File.Delete(path);
        }
    }
}
