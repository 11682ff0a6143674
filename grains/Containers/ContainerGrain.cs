using Orleans.Placement;
using Flotilla.Grains.Local;
using Flotilla.Grains.Nodes;
using Flotilla.Grains.Placement;
using Flotilla.Plugins;
using Microsoft.Extensions.Logging;

namespace Flotilla.Grains.Containers;

[NodePlacement]
[Immovable]
public sealed class ContainerGrain(
    [PersistentState("container", "state")] IPersistentState<ContainerRecord> state,
    NodeContext node,
    PluginCatalog plugins,
    ImageLookup images,
    MountResolver mountResolver,
    ContainerEvents events,
    ContainerStreamHub streams,
    ExitWatcher exits,
    OverlaySync overlays,
    ILogger<ContainerGrain> logger) : Grain, IContainerGrain
{
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(10);

    private string Id => NodeScopedKey.LocalIdOf(this.GetPrimaryKeyString());

    private ContainerRecord Record => state.State;

    /// <summary>The node its key names: this silo's own, or one it hosts (<see cref="Swarm.NodeDescription.HostedBy"/>).</summary>
    private string NodeName => NodeScopedKey.NodeOf(this.GetPrimaryKeyString());

    private INodeGrain Node => GrainFactory.GetGrain<INodeGrain>(NodeName);

    public async Task<ContainerRecord> CreateAsync(ContainerCreateArgs args)
    {
        if (Record.Exists)
        {
            throw FlotillaException.Conflict($"Container {Id} already exists.");
        }

        var trace = new StepTrace(logger, "create", Id);
        var image = await images.ResolveAsync(args.Image);
        var runtime = plugins.Runtime(args.Runtime ?? node.DefaultRuntime);
        var name = args.Name is { Length: > 0 } ? ContainerNames.Validate(args.Name) : ContainerNames.Random();
        var mounts = await mountResolver.ResolveAsync(args.Binds, args.Mounts, CancellationToken.None);
        if (args.MemoryBytes is < 0 || args.MemoryBytes is > 0 and < 6 * 1024 * 1024)
        {
            throw FlotillaException.Invalid("Minimum memory limit allowed is 6MB (--memory).");
        }

        if (args.NanoCpus < 0 || args.NanoCpus > Environment.ProcessorCount * 1_000_000_000L)
        {
            throw FlotillaException.Invalid($"Range of CPUs is from 0.01 to {Environment.ProcessorCount}.00, as there are only {Environment.ProcessorCount} CPUs available (--cpus).");
        }

        var record = new ContainerRecord
        {
            Id = Id,
            Name = name,
            Node = NodeName,
            Image = args.Image,
            ImageId = image.Id,
            Args = ContainerConfigMerger.Args(args, image.Defaults),
            Env = ContainerConfigMerger.Env(args.Env, image.Defaults.Env),
            WorkingDir = ContainerConfigMerger.WorkingDir(args.WorkingDir, image.Defaults.WorkingDir),
            User = string.IsNullOrEmpty(args.User) ? image.Defaults.User : args.User,
            Hostname = string.IsNullOrEmpty(args.Hostname) ? Id[..12] : args.Hostname,
            Labels = args.Labels,
            Runtime = runtime.Name,
            AutoRemove = args.AutoRemove,
            Mounts = mounts,
            Binds = args.Binds,
            NetworkMode = ContainerNetworking.Mode(args.NetworkMode),
            Ports = args.Ports,
            MemoryBytes = args.MemoryBytes,
            NanoCpus = args.NanoCpus,
            OpenStdin = args.OpenStdin,
            Tty = args.Tty,
            ConsoleSize = args.ConsoleSize,
            Entrypoint = args.Entrypoint,
            Cmd = args.Cmd,
            CreatedAt = DateTimeOffset.UtcNow,
            Status = ContainerLifecycle.Created,
            ScratchDirectory = node.ContainerDirectory(Id),
        };

        trace.Step("image+mounts");
        var volumes = mounts.Where(m => m.Name is not null).Select(m => m.Name!).ToArray();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Node.AddContainerAsync(new ContainerEntry(Id, record.Name, image.Id, volumes, record.CreatedAt));
                break;
            }
            catch (FlotillaException e) when (e.Kind == ErrorKind.Conflict && args.Name is not { Length: > 0 } && attempt < 10)
            {
                // A generated name that is taken: docker tries again with a number after it.
                record = record with { Name = $"{ContainerNames.Random()}{attempt}" };
            }
        }

        trace.Step("node");
        try
        {
            Directory.CreateDirectory(record.ScratchDirectory);
            var attachments = args.Attachments;
            if (attachments.Length == 0 && await overlays.AttachStandaloneAsync(Id, record.Name, args.NetworkAliases, record.NetworkMode) is { } standalone)
            {
                attachments = standalone;
                record = record with { HoldsSwarmAddresses = true };
                state.State = record; // so that an undo gives the addresses back
            }

            var (network, endpoints) = await ContainerNetworking.WireAsync(
                plugins.HasNetworkDriver ? plugins.NetworkDriver : null, Id, record.Name, record.NetworkMode, record.Ports,
                attachments.Length > 0 ? [] : args.NetworkAliases, attachments);
            record = record with { Endpoints = endpoints };
            trace.Step("network");
            await runtime.CreateAsync(ToSpec(record, image.LayerDirectories) with { Network = network }, CancellationToken.None);
            trace.Step("runtime");
            state.State = record;
            await state.WriteStateAsync();
            trace.Step("state");
            trace.Done();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Creating container {ContainerId} failed; undoing", Id);
            await UndoCreateAsync(runtime);
            state.State = new ContainerRecord();
            throw e is PluginException p ? p.ToFlotilla() : e;
        }

        logger.LogInformation("Created container {ContainerId} ({Name}) from {Image} on runtime {Runtime}", Id, record.Name, args.Image, runtime.Name);
        return record;
    }

    public async Task StartAsync()
    {
        EnsureExists();
        if (Record.Status == ContainerLifecycle.Running)
        {
            return;
        }

        var trace = new StepTrace(logger, "start", Id);
        var runtime = plugins.Runtime(Record.Runtime);
        IContainerStreams? io;
        try
        {
            io = await runtime.StartAsync(Id, streams.HasSubscribers(Id), CancellationToken.None);
            trace.Step("runtime");
        }
        catch (PluginException e)
        {
            streams.Fail(Id);
            await FailStartAsync(e.Message);
            throw e.ToFlotilla();
        }

        if (io is not null)
        {
            streams.Publish(Id, io);
        }

        var status = await runtime.GetStatusAsync(Id, CancellationToken.None);
        state.State = Record with
        {
            Status = ContainerLifecycle.Running, Pid = status.Pid, StartedAt = status.StartedAt ?? DateTimeOffset.UtcNow, Error = null, ExitCode = 0, OomKilled = false,
        };
        await state.WriteStateAsync();
        exits.Watch(this.GetPrimaryKeyString(), runtime);
        trace.Step("state");
        trace.Done();
        logger.LogInformation("Started container {ContainerId} (pid {Pid})", Id, status.Pid);
    }

    public async Task StopAsync(int timeoutSeconds)
    {
        EnsureExists();
        if (Record.Status != ContainerLifecycle.Running)
        {
            return;
        }

        var runtime = plugins.Runtime(Record.Runtime);
        var exit = await SignalAndWaitAsync(runtime, 15, TimeSpan.FromSeconds(Math.Max(0, timeoutSeconds)))
                   ?? await SignalAndWaitAsync(runtime, 9, KillGrace)
                   ?? throw new FlotillaException(ErrorKind.Failed, $"Container {Id} did not exit after SIGKILL.");
        await ApplyExitAsync(ExitReport.From(exit));
    }

    public async Task KillAsync(int signal)
    {
        EnsureExists();
        if (Record.Status != ContainerLifecycle.Running)
        {
            throw FlotillaException.Conflict($"Cannot kill container: {Record.Name}: Container {Id} is not running");
        }

        await Call(plugins.Runtime(Record.Runtime).KillAsync(Id, signal, CancellationToken.None));
    }

    public async Task RemoveAsync(bool force)
    {
        EnsureExists();
        if (Record.Status == ContainerLifecycle.Running)
        {
            if (!force)
            {
                throw FlotillaException.Conflict(
                    $"You cannot remove a running container {Id}. Stop the container before attempting removal or force remove (rm -f).");
            }

            var exit = await SignalAndWaitAsync(plugins.Runtime(Record.Runtime), 9, KillGrace);
            if (exit is not null)
            {
                await ApplyExitAsync(ExitReport.From(exit), removeAfter: false);
            }
        }

        await RemoveNowAsync();
    }

    public Task<ContainerRecord?> GetAsync() => Task.FromResult(Record.Exists ? Record : null);

    public async Task<LogLine[]> ReadLogsAsync(int? tail)
    {
        EnsureExists();
        var window = new Queue<LogLine>();
        await foreach (var entry in plugins.Runtime(Record.Runtime).ReadLogsAsync(Id, follow: false, CancellationToken.None))
        {
            window.Enqueue(new LogLine(entry.Time, entry.Stream == StdStream.Stderr, entry.Data.ToArray()));
            if (tail is { } n && window.Count > n)
            {
                window.Dequeue();
            }
        }

        return [.. window];
    }

    public async Task ReconcileAsync()
    {
        if (!Record.Exists)
        {
            return;
        }

        if (Record.Status == ContainerLifecycle.Removing)
        {
            await RemoveNowAsync(reclaimNow: true);
            return;
        }

        var runtime = plugins.Runtime(Record.Runtime);
        var status = await runtime.GetStatusAsync(Id, CancellationToken.None);
        switch (status.State)
        {
            case ContainerState.Running:
                if (Record.Status != ContainerLifecycle.Running)
                {
                    state.State = Record with { Status = ContainerLifecycle.Running, Pid = status.Pid, StartedAt = status.StartedAt };
                    await state.WriteStateAsync();
                }

                exits.Watch(this.GetPrimaryKeyString(), runtime);
                break;
            case ContainerState.Exited when Record.Status == ContainerLifecycle.Running:
                await ApplyExitAsync(ExitReport.From(status.Exit ?? new ContainerExit(255, DateTimeOffset.UtcNow, Error: "exit status was lost")));
                break;
            case ContainerState.Unknown when Record.Status == ContainerLifecycle.Running:
                await ApplyExitAsync(new ExitReport(255, DateTimeOffset.UtcNow, false, "the runtime no longer knows this container"));
                break;
        }
    }

    public async Task OnExitedAsync(ExitReport exit)
    {
        if (Record.Status != ContainerLifecycle.Running)
        {
            return;
        }

        // A report of the run before a restart can arrive once the new run has started: the runtime knows which.
        var runtime = plugins.Runtime(Record.Runtime);
        var status = await runtime.GetStatusAsync(Id, CancellationToken.None);
        if (status.State == ContainerState.Running)
        {
            exits.Watch(this.GetPrimaryKeyString(), runtime);
            return;
        }

        await ApplyExitAsync(status.Exit is { } current ? ExitReport.From(current) : exit);
    }

    private async Task ApplyExitAsync(ExitReport exit, bool removeAfter = true)
    {
        if (Record.Status != ContainerLifecycle.Running)
        {
            return;
        }

        state.State = Record with
        {
            Status = ContainerLifecycle.Exited,
            Pid = null,
            ExitCode = exit.ExitCode,
            FinishedAt = exit.FinishedAt,
            OomKilled = exit.OomKilled,
            Error = exit.Error,
        };
        var remove = removeAfter && Record.AutoRemove;
        if (!remove)
        {
            // An auto-removed container's exit is written once, with its removal: a crash before that finds it
            // exited in the runtime at the next start, and removes it then.
            await state.WriteStateAsync();
        }

        logger.LogInformation("Container {ContainerId} exited with {ExitCode}", Id, exit.ExitCode);
        events.Exited(Record);
        if (remove)
        {
            await RemoveNowAsync();
        }
    }

    private async Task FailStartAsync(string message)
    {
        state.State = Record with { ExitCode = PluginErrors.StartFailureExitCode(message), Error = message, FinishedAt = DateTimeOffset.UtcNow };
        await state.WriteStateAsync();
        events.Exited(Record);
        if (Record.AutoRemove)
        {
            await RemoveNowAsync();
        }
    }

    /// <summary>
    /// Removes the container from the node: once this returns it is gone for every API (name free, volumes and
    /// image no longer used by it, "removed" waiters answered). What the runtime and the disk still hold for it —
    /// the runtime's record, the overlay mount, the writable layer and log — is reclaimed in the background unless
    /// <paramref name="reclaimNow"/>; a daemon that stops first finds it at its next start as a container no record
    /// knows, and removes it then (NodeStartup).
    /// </summary>
    private async Task RemoveNowAsync(bool reclaimNow = false)
    {
        var trace = new StepTrace(logger, "remove", Id);
        var runtime = plugins.Runtime(Record.Runtime);
        if (Record.Status == ContainerLifecycle.Running && (await runtime.GetStatusAsync(Id, CancellationToken.None)).State == ContainerState.Running)
        {
            throw FlotillaException.Conflict($"Container {Id} is still running: stop it before removing it.");
        }

        state.State = Record with { Status = ContainerLifecycle.Removing };
        await state.WriteStateAsync();
        trace.Step("state");
        // Synchronous, unlike the reclaim below: the address and published ports must be free once this returns.
        await RemoveNetworkNamespaceAsync();
        trace.Step("network");
        var scratch = Record.ScratchDirectory;
        var reclaim = ReclaimAsync(runtime, Id, scratch, logger);
        if (reclaimNow)
        {
            await reclaim;
        }

        await Node.RemoveContainerAsync(Id);
        trace.Step("node");
        var removed = Record with { Status = ContainerLifecycle.Removed };
        await state.ClearStateAsync();
        state.State = new ContainerRecord();
        trace.Step("state");
        trace.Done();
        events.Removed(removed);
        logger.LogInformation("Removed container {ContainerId}", Id);
        DeactivateOnIdle();
    }

    /// <summary>The runtime's delete (crun delete, unmount) and the container's directory, off the grain's turn.</summary>
    private static Task ReclaimAsync(IContainerRuntime runtime, string id, string scratch, ILogger logger) => Task.Run(async () =>
    {
        var trace = new StepTrace(logger, "reclaim", id);
        try
        {
            await runtime.DeleteAsync(id, CancellationToken.None);
        }
        catch (PluginException e) when (e.Kind == PluginErrorKind.NotFound)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not release what the runtime holds for removed container {ContainerId}; the next daemon start retries", id);
            return;
        }

        trace.Step("runtime");
        try
        {
            SafeDirectory.Delete(scratch);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not delete removed container {ContainerId}'s directory {Directory}", id, scratch);
        }

        trace.Step("directory");
        trace.Done();
    });

    private async Task UndoCreateAsync(IContainerRuntime runtime)
    {
        try
        {
            await runtime.DeleteAsync(Id, CancellationToken.None);
        }
        catch (PluginException)
        {
        }

        await RemoveNetworkNamespaceAsync();
        SafeDirectory.Delete(node.ContainerDirectory(Id));
        await Node.RemoveContainerAsync(Id);
    }

    public async Task<ContainerRecord> ConnectAsync(string network, string[] aliases)
    {
        EnsureExists();
        if (!ContainerNetworking.HasOwnNamespace(Record.NetworkMode))
        {
            throw FlotillaException.Conflict($"container {Record.Name} uses --network {Record.NetworkMode}: it cannot be connected to other networks");
        }

        // On one of the swarm's attachable overlay networks, the address is the swarm's.
        var attachment = (await overlays.AttachStandaloneAsync(Id, Record.Name, aliases, network))?.Single();
        EndpointInfo endpoint;
        try
        {
            endpoint = await CallAsync(plugins.NetworkDriver.ConnectAsync(attachment?.NetworkId ?? network, Id, Record.Name,
                attachment?.Aliases ?? aliases, attachment?.Address.Split('/')[0], CancellationToken.None));
        }
        catch when (attachment is not null)
        {
            await overlays.ReleaseStandaloneAsync(Id, attachment.NetworkId);
            throw;
        }

        state.State = Record with
        {
            Endpoints = [.. Record.Endpoints, ContainerNetworking.ToEndpoint(endpoint)],
            HoldsSwarmAddresses = Record.HoldsSwarmAddresses || attachment is not null,
        };
        await state.WriteStateAsync();
        return Record;
    }

    public async Task<ContainerRecord> DisconnectAsync(string network)
    {
        EnsureExists();
        if (!ContainerNetworking.HasOwnNamespace(Record.NetworkMode))
        {
            throw FlotillaException.Conflict($"container {Record.Name} uses --network {Record.NetworkMode}: it is connected to no network");
        }

        var before = await CallAsync(plugins.NetworkDriver.EndpointsAsync(Id, CancellationToken.None));
        await Call(plugins.NetworkDriver.DisconnectAsync(network, Id, CancellationToken.None));
        var left = await CallAsync(plugins.NetworkDriver.EndpointsAsync(Id, CancellationToken.None));
        if (Record.HoldsSwarmAddresses && before.FirstOrDefault(e => left.All(l => l.NetworkId != e.NetworkId)) is { } gone)
        {
            await overlays.ReleaseStandaloneAsync(Id, gone.NetworkId);
        }

        state.State = Record with { Endpoints = [.. left.Select(ContainerNetworking.ToEndpoint)] };
        await state.WriteStateAsync();
        return Record;
    }

    /// <summary>After the runtime let go of the namespace: its interfaces, addresses, ports and the namespace itself.</summary>
    private async Task RemoveNetworkNamespaceAsync()
    {
        if (plugins.HasNetworkDriver)
        {
            await Call(plugins.NetworkDriver.RemoveNamespaceAsync(Id, CancellationToken.None));
        }

        if (Record.HoldsSwarmAddresses)
        {
            await overlays.ReleaseStandaloneAsync(Id, null);
        }
    }

    private static async Task<T> CallAsync<T>(Task<T> task)
    {
        try
        {
            return await task;
        }
        catch (PluginException e)
        {
            throw e.ToFlotilla();
        }
    }

    private async Task<ContainerExit?> SignalAndWaitAsync(IContainerRuntime runtime, int signal, TimeSpan timeout)
    {
        try
        {
            await runtime.KillAsync(Id, signal, CancellationToken.None);
        }
        catch (PluginException e) when (e.Kind is PluginErrorKind.NotFound or PluginErrorKind.Conflict)
        {
            // Already gone: its exit is what is left to read.
        }

        try
        {
            return await runtime.WaitAsync(Id, CancellationToken.None).WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private void EnsureExists()
    {
        if (!Record.Exists || Record.Status == ContainerLifecycle.Removing)
        {
            throw FlotillaException.NotFound($"No such container: {Id}");
        }
    }

    private static async Task Call(Task task)
    {
        try
        {
            await task;
        }
        catch (PluginException e)
        {
            throw e.ToFlotilla();
        }
    }

    private static ContainerSpec ToSpec(ContainerRecord r, IReadOnlyList<string> layers) => new()
    {
        Id = r.Id,
        Name = r.Name,
        Hostname = r.Hostname,
        Rootfs = new RootFilesystem(layers, r.ScratchDirectory),
        Args = r.Args,
        Env = r.Env,
        WorkingDir = r.WorkingDir,
        User = r.User,
        Mounts =
        [
            .. r.Mounts.Select(m => new MountSpec(m.Source, m.Destination, m.ReadOnly,
                m.Kind != MountKind.Tmpfs ? null : m.TmpfsMode == 0 ? new TmpfsOptions(m.TmpfsSizeBytes) : new TmpfsOptions(m.TmpfsSizeBytes, m.TmpfsMode))),
        ],
        Resources = new ResourceLimits(r.MemoryBytes, r.NanoCpus),
        OpenStdin = r.OpenStdin,
        Tty = r.Tty,
        ConsoleSize = r.ConsoleSize is [var height, var width] ? new TerminalSize(height, width) : null,
        Labels = r.Labels,
    };
}
