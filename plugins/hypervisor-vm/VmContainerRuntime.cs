using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Flotilla.Guest;
using Flotilla.Plugins;
using Microsoft.Extensions.Logging;

namespace Flotilla.Hypervisor.Vm;

/// <summary>
/// A runtime that runs each container in a one-shot VM: the guest kernel boots straight into the Flotilla guest
/// init, which mounts the container's root from a host share, runs its command and streams the output back.
/// The hypervisor-specific part is an <see cref="IVirtualMachineHost"/>.
/// </summary>
public sealed class VmContainerRuntime(string name, VmSettings settings, IVirtualMachineHost host, ILoggerFactory logs) : IContainerRuntime
{
    private readonly ConcurrentDictionary<string, VmContainer> _containers = new(StringComparer.Ordinal);
    private readonly ILogger _logger = logs.CreateLogger(typeof(VmContainerRuntime).FullName + "." + name);

    public string Name { get; } = name;

    public string? UnavailableReason => host.UnsupportedReason;

    public RuntimeDescription Describe() =>
        new(Name, [.. host.Facts, new("kernel", settings.Kernel), new("initrd", settings.Initrd)], []);

    public async Task CreateAsync(ContainerSpec spec, CancellationToken ct)
    {
        EnsureSupported();
        if (spec.Tty)
        {
            throw new PluginException($"the {Name} runtime has no terminal for the guest yet: run without -t", PluginErrorKind.InvalidInput);
        }

        EnsureBootFile(settings.Kernel, "kernel", "the guest kernel");
        EnsureBootFile(settings.Initrd, "initrd", "the initramfs with the Flotilla guest init");
        var (memory, cpus) = VmSizing.From(spec.Resources, settings.DefaultMemoryMiB, Environment.ProcessorCount);
        var directory = Path.Combine(settings.StateDirectory, spec.Id);
        Directory.CreateDirectory(directory);
        try
        {
            var rootfs = Path.Combine(spec.Rootfs.ScratchDirectory, "rootfs");
            RootfsBuilder.Build(spec.Rootfs.Layers, rootfs);
            var shares = new List<VmShare> { new(RunConfig.RootfsTag, rootfs, false) };
            shares.AddRange(spec.Mounts.Select((m, i) => new VmShare($"vol{i}", m.Source, m.ReadOnly)));
            var (uid, gid) = UserIds.Resolve(spec.User, rootfs);
            var config = new RunConfig(spec.Args, spec.Env, spec.WorkingDir, uid, gid,
                [new(RunConfig.RootfsTag, "/", false), .. spec.Mounts.Select((m, i) => new GuestMount($"vol{i}", m.Destination, m.ReadOnly))]);
            var initrd = Path.Combine(spec.Rootfs.ScratchDirectory, "initrd.img");
            await WriteInitrdAsync(settings.Initrd, initrd, config, ct);
            var record = new VmContainerRecord(new VmRequest(spec.Id, settings.Kernel, initrd, memory, cpus, shares, directory), spec.OpenStdin);
            record.Save(directory);
            _containers[spec.Id] = new VmContainer(directory, record, _logger);
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    public async Task<IContainerStreams?> StartAsync(string id, bool attach, CancellationToken ct)
    {
        EnsureSupported();
        var container = Find(id);
        if (container.StartedAt is not null || container.Exited.IsCompleted)
        {
            throw new PluginException($"container {id} has already run: a {Name} container's VM boots once", PluginErrorKind.Conflict);
        }

        var streams = attach ? container.Subscribe() : null;
        try
        {
            await container.StartAsync(host, settings.BootTimeout, ct);
        }
        catch
        {
            if (streams is not null)
            {
                await streams.DisposeAsync();
            }

            throw;
        }

        return streams;
    }

    public Task<IContainerStreams> AttachAsync(string id, CancellationToken ct) =>
        Task.FromResult<IContainerStreams>(Find(id).Subscribe());

    public Task<ContainerStatus> GetStatusAsync(string id, CancellationToken ct)
    {
        if (!TryFind(id, out var container))
        {
            return Task.FromResult(new ContainerStatus(ContainerState.Unknown));
        }

        return Task.FromResult(container.Exited.IsCompletedSuccessfully
            ? new ContainerStatus(ContainerState.Exited, StartedAt: container.StartedAt, Exit: container.Exited.Result)
            : new ContainerStatus(container.Running ? ContainerState.Running : ContainerState.Created, StartedAt: container.StartedAt));
    }

    public Task<ContainerExit> WaitAsync(string id, CancellationToken ct) => Find(id).Exited.WaitAsync(ct);

    public Task KillAsync(string id, int signal, CancellationToken ct)
    {
        EnsureSupported();
        return Find(id).KillAsync(signal, ct);
    }

    public Task DeleteAsync(string id, CancellationToken ct)
    {
        if (TryFind(id, out var container))
        {
            if (container.Running)
            {
                throw new PluginException($"container {id} is running: stop it before removing it", PluginErrorKind.Conflict);
            }

            Directory.Delete(container.Directory, recursive: true);
            _containers.TryRemove(id, out _);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>(Directory.Exists(settings.StateDirectory)
            ? [.. Directory.GetDirectories(settings.StateDirectory).Select(Path.GetFileName).OfType<string>()]
            : []);

    public async IAsyncEnumerable<LogEntry> ReadLogsAsync(string id, bool follow, [EnumeratorCancellation] CancellationToken ct)
    {
        var container = Find(id);
        long offset = 0;
        while (true)
        {
            var ended = container.Exited.IsCompleted;
            foreach (var entry in container.Log.ReadFrom(ref offset))
            {
                yield return entry;
            }

            if (!follow || ended)
            {
                yield break;
            }

            await Task.WhenAny(container.Exited, Task.Delay(TimeSpan.FromMilliseconds(200), ct));
            ct.ThrowIfCancellationRequested();
        }
    }

    public Task<IExecProcess> ExecAsync(string id, ExecSpec spec, CancellationToken ct) =>
        throw new PluginException(
            $"exec is not supported by the {Name} runtime: its guest init runs the container's one process", PluginErrorKind.NotSupported);

    private void EnsureSupported()
    {
        if (host.UnsupportedReason is { } reason)
        {
            throw new PluginException($"the {Name} runtime is not supported on this host ({reason})", PluginErrorKind.NotSupported);
        }
    }

    private void EnsureBootFile(string path, string setting, string what)
    {
        if (!File.Exists(path))
        {
            throw new PluginException(
                $"the {Name} runtime needs {what} at {path}, which does not exist: build it as the README's \"{settings.PluginName}\" " +
                $"section says and put it there, or pass --Plugins:{settings.PluginName}:{setting}=PATH",
                PluginErrorKind.Failed);
        }
    }

    private static async Task WriteInitrdAsync(string baseInitrd, string path, RunConfig config, CancellationToken ct)
    {
        // The base initramfs stays shared and untouched; the kernel unpacks the appended archive over it.
        var cpio = new MemoryStream();
        try
        {
            config.WriteCpio(cpio);
        }
        catch (ArgumentException e)
        {
            throw new PluginException(e.Message, PluginErrorKind.InvalidInput, e);
        }

        File.Copy(baseInitrd, path, overwrite: true);
        await using var file = new FileStream(path, FileMode.Append, FileAccess.Write);
        await file.WriteAsync(cpio.ToArray(), ct);
    }

    private VmContainer Find(string id) =>
        TryFind(id, out var container)
            ? container
            : throw new PluginException($"No such container: {id}", PluginErrorKind.NotFound);

    private bool TryFind(string id, out VmContainer container)
    {
        if (_containers.TryGetValue(id, out container!))
        {
            return true;
        }

        var directory = Path.Combine(settings.StateDirectory, id);
        if (VmContainerRecord.Load(directory) is not { } record)
        {
            return false;
        }

        // Known from disk only: the daemon restarted. The VM belonged to the daemon process and stopped with it.
        container = new VmContainer(directory, record, _logger);
        var exit = VmExitRecord.Load(directory);
        if (exit is null && File.Exists(Path.Combine(directory, "started")))
        {
            exit = new VmExitRecord(255, DateTimeOffset.UtcNow, "the daemon stopped while the VM ran, and the VM stopped with it");
            exit.Save(directory);
        }

        if (exit is not null)
        {
            container.MarkEnded(exit);
        }

        container = _containers.GetOrAdd(id, container);
        return true;
    }
}
