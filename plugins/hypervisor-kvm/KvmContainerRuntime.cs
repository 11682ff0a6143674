using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Flotilla.Guest;
using Flotilla.Plugins;
using Microsoft.Extensions.Logging;

namespace Flotilla.Hypervisor.Kvm;

/// <summary>
/// Each container in a one-shot QEMU microVM: Debian's kernel booted directly, the guest init of plugins/guest, the
/// container's overlay root and its volumes shared over virtio-9p, its output and exit code carried as frames on a
/// virtio-console port that QEMU writes to a file; exec sessions multiplexed on a second port, a socket the host
/// connects to at the first exec. QEMU runs detached, in a session of its own, so a VM, its log
/// and its exit code outlive the daemon; the files under the container's scratch directory are all there is to adopt.
/// </summary>
public sealed partial class KvmContainerRuntime : IContainerRuntime
{
    /// <summary>Below this the Debian kernel and init run out of memory before the command starts (measured: 80 MiB panics, 96 MiB runs).</summary>
    public const long MinimumMemoryBytes = 96L * 1024 * 1024;

    private const int SIGKILL = 9;
    private readonly KvmSettings _settings;
    private readonly ILogger _logger;
    private readonly Lazy<Task<bool>> _kvm;
    private readonly ConcurrentDictionary<string, FrameWriter> _inputs = new();
    private readonly ConcurrentDictionary<string, ExecPort> _ports = new();
    private readonly SemaphoreSlim _portsLock = new(1, 1);

    public KvmContainerRuntime(KvmSettings settings, ILoggerFactory logs)
    {
        _settings = settings;
        _logger = logs.CreateLogger("hypervisor-kvm");
        // Probed at the first VM, not at start-up: a node that never runs one never pays for it.
        _kvm = new Lazy<Task<bool>>(() => settings.Accelerator switch
        {
            "kvm" => Task.FromResult(true),
            "tcg" => Task.FromResult(false),
            _ => Task.Run(() => AcceleratorProbe.KvmBootsAsync(settings.QemuPath, settings.KernelPath)),
        });
        Directory.CreateDirectory(IndexDirectory);
        if (Missing() is { } missing)
        {
            _logger.LogWarning("The kvm runtime cannot run VMs yet: {Missing}", missing);
        }
    }

    public string Name => "kvm";

    private string IndexDirectory => Path.Combine(_settings.DataDirectory, "containers");

    public RuntimeDescription Describe()
    {
        var warnings = new List<string>();
        if (Missing() is { } missing)
        {
            warnings.Add("kvm runtime: " + missing);
        }

        var decided = _kvm.IsValueCreated && _kvm.Value.IsCompletedSuccessfully;
        var kvm = decided && _kvm.Value.Result;
        if (decided && !kvm)
        {
            warnings.Add("kvm runtime: KVM is not usable here (no /dev/kvm, or it does not boot the guest kernel), so VMs run under QEMU's TCG emulation (a boot takes ~2 s instead of ~0.1 s).");
        }

        return new RuntimeDescription(Name,
        [
            new("hypervisor", $"{_settings.QemuPath} (microvm, {(decided ? kvm ? "KVM" : "TCG" : "KVM if it boots the guest, else TCG: decided at the first VM")})"),
            new("guest kernel", _settings.KernelPath),
            new("guest initramfs", _settings.InitramfsPath),
        ], warnings);
    }

    public async Task CreateAsync(ContainerSpec spec, CancellationToken ct)
    {
        if (Missing() is { } missing)
        {
            throw new PluginException(missing, PluginErrorKind.NotSupported);
        }

        var memory = spec.Resources.MemoryBytes == 0 ? _settings.DefaultMemoryBytes : spec.Resources.MemoryBytes;
        if (memory < MinimumMemoryBytes)
        {
            throw new PluginException(
                $"--memory {spec.Resources.MemoryBytes / (1024 * 1024)}m is below what a VM needs to boot ({MinimumMemoryBytes / (1024 * 1024)} MiB): give it --memory 96m or more.",
                PluginErrorKind.InvalidInput);
        }

        foreach (var m in spec.Mounts.Where(m => !Directory.Exists(m.Source)))
        {
            throw new PluginException($"-v {m.Source}:{m.Destination}: a VM can only share directories with the host, and {m.Source} is not one.", PluginErrorKind.InvalidInput);
        }

        var files = new VmFiles(spec.Id, spec.Rootfs.ScratchDirectory);
        foreach (var dir in new[] { files.Upper, files.Work, files.Rootfs, files.Vm })
        {
            Directory.CreateDirectory(dir);
        }

        await File.WriteAllTextAsync(Path.Combine(IndexDirectory, spec.Id), files.Scratch, ct);
        MountOverlay(spec.Rootfs.Layers, files);
        var (uid, gid) = UserIds.Resolve(spec.User, files.Rootfs);

        List<HostShare> shares = [new(RunConfig.RootfsTag, files.Rootfs, false)];
        List<GuestMount> mounts = [new(RunConfig.RootfsTag, "/", false)];
        for (var i = 0; i < spec.Mounts.Count; i++)
        {
            shares.Add(new HostShare($"vol{i}", spec.Mounts[i].Source, spec.Mounts[i].ReadOnly));
            mounts.Add(new GuestMount($"vol{i}", spec.Mounts[i].Destination, spec.Mounts[i].ReadOnly));
        }

        var nic = spec.Network.NamespacePath is { } netns ? await NamespaceNic.PrepareAsync(netns, ct) : null;
        var config = new RunConfig(spec.Args, spec.Env, spec.WorkingDir, uid, gid, mounts)
        {
            Network = nic?.Network,
            Hostname = spec.Hostname,
            EtcFiles = EtcFiles(spec, nic?.Network.Address),
            Tty = spec.Tty,
        };
        await ExecDefaults.WriteAsync(files.ExecDefaults, new ExecDefaults(spec.Env, spec.WorkingDir, uid, gid), ct);
        await using (var initrd = File.Create(files.Initrd))
        {
            // The guest initramfs, then this run's /flotilla/ files: the kernel unpacks concatenated archives in turn.
            await using (var base_ = File.OpenRead(_settings.InitramfsPath))
            {
                await base_.CopyToAsync(initrd, ct);
            }

            try
            {
                config.WriteCpio(initrd);
            }
            catch (ArgumentException e)
            {
                throw new PluginException($"the container's configuration cannot be passed to a VM: {e.Message}", PluginErrorKind.InvalidInput, e);
            }
        }

        File.Delete(files.ChannelIn);
        Native.Check(Native.mkfifo(files.ChannelIn, 0x180 /* 0600 */), $"mkfifo {files.ChannelIn}");
        await File.WriteAllBytesAsync(files.ChannelOut, [], ct);
        var argv = QemuCommand.Build(_settings.QemuPath, files, _settings.KernelPath, await _kvm.Value, HostTscKhz(), memory,
            QemuCommand.Cpus(spec.Resources.NanoCpus), shares, nic is { } card ? new VmNetwork(spec.Network.NamespacePath!, NamespaceNic.Tap, card.Mac) : null);
        await File.WriteAllTextAsync(files.Command, string.Join('\0', argv), ct);
        if (!spec.OpenStdin)
        {
            await File.WriteAllTextAsync(Path.Combine(files.Vm, "no-stdin"), "", ct);
        }
    }

    /// <summary>/etc/hosts, resolv.conf and hostname as runtime-linux writes them for a namespace container.</summary>
    private static Dictionary<string, string> EtcFiles(ContainerSpec spec, string? address)
    {
        var network = spec.Network;
        address ??= network.Address ?? (network.Host ? null : "127.0.1.1");
        return new Dictionary<string, string>
        {
            ["hostname"] = spec.Hostname + "\n",
            ["hosts"] = $"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n{(address is null ? "" : $"{address}\t{spec.Hostname}\n")}",
            ["resolv.conf"] = network.Nameservers is { Count: > 0 } servers && network.NamespacePath is not null
                ? string.Concat(servers.Select(n => $"nameserver {n}\n"))
                : "# This container has no network but its loopback interface.\n",
        };
    }

    public async Task<IContainerStreams?> StartAsync(string id, bool attach, CancellationToken ct)
    {
        var files = FilesOf(id);
        var argv = (await File.ReadAllTextAsync(files.Command, ct)).Split('\0');
        foreach (var stale in new[] { files.PidFile, files.KilledMark, files.FailedMark, files.ExecSocket })
        {
            File.Delete(stale);
        }

        await LaunchAsync(argv, files, ct);
        _logger.LogDebug("Started VM {QemuName} (pid {Pid})", files.QemuName, ReadPid(files));
        try
        {
            await WaitForBootAsync(files, ct);
            // QEMU reads the channel FIFO from the time it has set the VM up; by the guest's first frame it has.
            if (File.Exists(Path.Combine(files.Vm, "no-stdin")))
            {
                try
                {
                    await SendAsync(id, files, Frame.StdinClosed(), ct);
                }
                catch (PluginException) when (!IsRunning(files))
                {
                    // The command has been and gone already.
                }
            }
        }
        catch (Exception e) when (IsRunning(files))
        {
            // A start that fails leaves nothing running.
            await File.WriteAllTextAsync(files.FailedMark, "the start failed: " + e.Message, CancellationToken.None);
            if (ReadPid(files) is { } pid)
            {
                KillVm(pid);
            }

            await WaitForVmExitAsync(files, CancellationToken.None);
            throw;
        }

        return attach ? Streams(files, skipBefore: 0) : null;
    }

    public Task<IContainerStreams> AttachAsync(string id, CancellationToken ct)
    {
        var files = FilesOf(id);
        if (!IsRunning(files))
        {
            throw new PluginException($"cannot attach to container {id}: it is not running", PluginErrorKind.Conflict);
        }

        return Task.FromResult<IContainerStreams>(Streams(files, new FileInfo(files.ChannelOut).Length));
    }

    public async Task<ContainerStatus> GetStatusAsync(string id, CancellationToken ct)
    {
        if (!File.Exists(Path.Combine(IndexDirectory, id)))
        {
            return new ContainerStatus(ContainerState.Unknown);
        }

        var files = FilesOf(id);
        if (!File.Exists(files.PidFile))
        {
            return new ContainerStatus(ContainerState.Created);
        }

        var startedAt = new DateTimeOffset(File.GetLastWriteTimeUtc(files.PidFile));
        return IsRunning(files)
            ? new ContainerStatus(ContainerState.Running, ReadPid(files), startedAt)
            : new ContainerStatus(ContainerState.Exited, StartedAt: startedAt, Exit: await ReadExitAsync(files, ct));
    }

    public async Task<ContainerExit> WaitAsync(string id, CancellationToken ct)
    {
        var files = FilesOf(id);
        while (!File.Exists(files.PidFile))
        {
            await Task.Delay(100, ct);
        }

        await WaitForVmExitAsync(files, ct);
        return await ReadExitAsync(files, ct);
    }

    public async Task KillAsync(string id, int signal, CancellationToken ct)
    {
        var files = FilesOf(id);
        if (!IsRunning(files) || ReadPid(files) is not { } pid)
        {
            throw new PluginException($"container {id} is not running", PluginErrorKind.Conflict);
        }

        if (signal == SIGKILL)
        {
            // Nothing in the guest can ignore SIGKILL, so the VM itself goes: exit 137, as for a killed process.
            await File.WriteAllTextAsync(files.KilledMark, "", ct);
            KillVm(pid);
            return;
        }

        await SendAsync(id, files, Frame.Signal(signal), ct);
    }

    public async Task DeleteAsync(string id, CancellationToken ct)
    {
        var files = FilesOf(id);
        if (IsRunning(files))
        {
            throw new PluginException($"container {id} is running: stop it first", PluginErrorKind.Conflict);
        }

        if (_inputs.TryRemove(id, out var writer))
        {
            await writer.DisposeAsync();
        }

        if (_ports.TryRemove(id, out var port))
        {
            await port.DisposeAsync();
        }

        Unmount(files.Rootfs);
        if (Directory.Exists(files.Vm))
        {
            Directory.Delete(files.Vm, recursive: true);
        }

        File.Delete(Path.Combine(IndexDirectory, id));
    }

    public Task<IReadOnlyList<string>> ListAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>([.. Directory.GetFiles(IndexDirectory).Select(Path.GetFileName).OfType<string>()]);

    public async IAsyncEnumerable<LogEntry> ReadLogsAsync(string id, bool follow, [EnumeratorCancellation] CancellationToken ct)
    {
        var files = FilesOf(id);
        // Frames carry no time of their own: an entry is stamped when it is read.
        await foreach (var frame in ChannelFile.ReadAsync(files.ChannelOut, () => !IsRunning(files), follow, ct))
        {
            if (ChannelFile.ToStdStream(frame.Type) is { } stream && frame.Payload.Length > 0)
            {
                yield return new LogEntry(DateTimeOffset.UtcNow, stream, frame.Payload);
            }
        }
    }

    public async Task<IExecProcess> ExecAsync(string id, ExecSpec spec, CancellationToken ct)
    {
        var files = FilesOf(id);
        if (!IsRunning(files) || ReadPid(files) is not { } pid)
        {
            throw new PluginException($"container {id} is not running", PluginErrorKind.Conflict);
        }

        if (!File.Exists(files.ExecDefaults))
        {
            throw new PluginException($"container {id} was created by a Flotilla whose VMs took no exec: recreate it to exec into it", PluginErrorKind.NotSupported);
        }

        var defaults = await ExecDefaults.ReadAsync(files.ExecDefaults, ct);
        var (uid, gid) = spec.User is null ? (defaults.Uid, defaults.Gid) : UserIds.Resolve(spec.User, files.Rootfs);
        var request = ExecDefaults.Request(spec.Args, ExecDefaults.Merge(defaults.Env, spec.Env), spec.WorkingDir ?? defaults.WorkingDir, uid, gid, spec.Tty);
        var port = await PortAsync(files, pid, ct);
        var session = await port.StartAsync(request, ct);
        try
        {
            await session.Answered.WaitAsync(_settings.BootTimeout, ct);
        }
        catch (TimeoutException)
        {
            await session.DisposeAsync();
            throw new PluginException($"the guest of container {id} did not answer the exec within {_settings.BootTimeout.TotalSeconds:0.#} s: " +
                $"is its initramfs older than exec support? Run scripts/prepare-vm-kernel and recreate the container.", PluginErrorKind.NotSupported);
        }

        if (!spec.OpenStdin)
        {
            await session.CloseInputAsync(ct);
        }

        return session;
    }

    /// <summary>The VM's exec port, connected at the first exec (again after a daemon restart or a restart of the container).</summary>
    private async Task<ExecPort> PortAsync(VmFiles files, int pid, CancellationToken ct)
    {
        await _portsLock.WaitAsync(ct);
        try
        {
            if (_ports.TryGetValue(files.Id, out var port) && !port.Closed && port.VmPid == pid)
            {
                return port;
            }

            if (port is not null)
            {
                await port.DisposeAsync();
            }

            return _ports[files.Id] = await ExecPort.ConnectAsync(files, pid, ct);
        }
        finally
        {
            _portsLock.Release();
        }
    }

    private ChannelStreams Streams(VmFiles files, long skipBefore) =>
        new(files, () => !IsRunning(files), skipBefore, () => Input(files.Id, files));

    private VmFiles FilesOf(string id)
    {
        var index = Path.Combine(IndexDirectory, id);
        if (!File.Exists(index))
        {
            throw new PluginException($"no such container: {id}", PluginErrorKind.NotFound);
        }

        return new VmFiles(id, File.ReadAllText(index).Trim());
    }

    /// <summary>What this host lacks to run a VM, said with what to do; null when nothing.</summary>
    private string? Missing()
    {
        if (!File.Exists(_settings.QemuPath))
        {
            return $"QEMU is missing ({_settings.QemuPath}): run scripts/prepare-vm-kernel (it installs qemu-system-x86).";
        }

        foreach (var (path, what) in new[] { (_settings.KernelPath, "guest kernel"), (_settings.InitramfsPath, "guest initramfs") })
        {
            if (!File.Exists(path))
            {
                return $"the {what} {path} is missing: run scripts/prepare-vm-kernel to prepare it, or point --Plugins:hypervisor-kvm:{(what.EndsWith("kernel") ? "kernel" : "initramfs")} at one.";
            }
        }

        return null;
    }

    /// <summary>The host's TSC rate in kHz, from /proc/cpuinfo's "cpu MHz".</summary>
    private static long HostTscKhz()
    {
        var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("cpu MHz", StringComparison.Ordinal));
        return line is not null && double.TryParse(line.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture, out var mhz)
            ? (long)(mhz * 1000)
            : 1_000_000;
    }
}
