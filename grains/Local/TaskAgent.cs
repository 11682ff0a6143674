using System.Collections.Concurrent;
using System.Security.Cryptography;
using Flotilla.Grains.Containers;
using Flotilla.Grains.Placement;
using Flotilla.Grains.Services;
using Flotilla.Grains.Tasks;
using Microsoft.Extensions.Logging;

namespace Flotilla.Grains.Local;

/// <summary>
/// The node's agent for swarm tasks (swarmkit's agent): runs each task it is given as one container, reports every
/// step back to the task, and reports the container's exit. Work happens in the background so that the task grain
/// that hands a task over is never held up by an image or a slow start. It serves this silo's node and the nodes it
/// hosts (<see cref="Swarm.NodeDescription.HostedBy"/>): each task's container belongs to the task's node.
/// </summary>
public sealed class TaskAgent
{
    public const string TaskLabel = "com.docker.swarm.task.id";

    private readonly IGrainFactory _grains;
    private readonly NodeContext _node;
    private readonly ILogger<TaskAgent> _logger;
    /// <summary>Task id → its container grain's key (node/id).</summary>
    private readonly ConcurrentDictionary<string, string> _containers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TimeSpan> _stopRequested = new(StringComparer.Ordinal);

    /// <summary>
    /// Reports not yet sent, the latest per task. They go every <see cref="ReportBatch"/>, as swarmkit's agent and
    /// dispatcher batch task status updates: a task that prepares, starts and runs within one batch costs its task
    /// grain one call, not three.
    /// </summary>
    private readonly ConcurrentDictionary<string, TaskReport> _reports = new(StringComparer.Ordinal);

    private static readonly TimeSpan ReportBatch = TimeSpan.FromMilliseconds(100);
    private int _flushScheduled;

    private readonly ImageLookup _images;
    private readonly IImageSource? _source;
    private readonly OverlaySync _overlays;

    public TaskAgent(IGrainFactory grains, NodeContext node, ContainerEvents events, ImageLookup images, OverlaySync overlays, ILogger<TaskAgent> logger,
        IImageSource? source = null)
    {
        _overlays = overlays;
        _images = images;
        _source = source;
        _grains = grains;
        _node = node;
        _logger = logger;
        events.Changed += OnContainerChanged;
    }

    /// <param name="node">The node the task was given to: this silo's own, or one it hosts.</param>
    public void Run(TaskAssignment task, string node) => _ = Background(() => RunAsync(task, node), task.TaskId);

    public void Stop(string taskId, TimeSpan grace)
    {
        if (_containers.TryGetValue(taskId, out var key))
        {
            _ = Background(() => StopAsync(key, grace), taskId);
        }
        else
        {
            // Still being created: RunAsync sees this and stops it as soon as it exists.
            _stopRequested[taskId] = grace;
        }
    }

    /// <summary>Stops and removes a task's container on this node; the exit it causes is reported like any other.</summary>
    public Task StopContainerAsync(string containerId, TimeSpan grace) => StopAsync(NodeScopedKey.Format(_node.NodeName, containerId), grace);

    private async Task StopAsync(string key, TimeSpan grace)
    {
        var container = Container(key);
        try
        {
            await container.StopAsync((int)grace.TotalSeconds);
        }
        catch (FlotillaException e) when (e.Kind == ErrorKind.NotFound)
        {
            return;
        }

        await RemoveAsync(key);
    }

    /// <summary>This node leaves the swarm: every task container here goes.</summary>
    public async Task StopAllAsync()
    {
        foreach (var entry in await _grains.GetGrain<Flotilla.Grains.Nodes.INodeGrain>(_node.NodeName).ListContainersAsync())
        {
            if ((await Container(NodeScopedKey.Format(_node.NodeName, entry.Id)).GetAsync())?.Labels.ContainsKey(TaskLabel) == true)
            {
                await StopContainerAsync(entry.Id, TimeSpan.FromSeconds(1));
            }
        }
    }

    private async Task RunAsync(TaskAssignment task, string node)
    {
        Report(task.TaskId, new TaskReport(TaskState.Preparing, "preparing"));
        if (!_images.Has(task.Template.Image) && _source is not null)
        {
            // Each node gets the service's image by itself, as swarm nodes do.
            try
            {
                await _source.PullAsync(task.Template.Image, CancellationToken.None);
            }
            catch (Exception e)
            {
                Report(task.TaskId, new TaskReport(TaskState.Rejected, "rejected", Error: $"No such image: {task.Template.Image} (pulling it failed: {e.Message})"));
                return;
            }
        }

        if (task.Networks is { Length: > 0 })
        {
            try
            {
                await _overlays.SyncAsync(); // the networks of its addresses, on this node before the container joins them
            }
            catch (Exception e)
            {
                Report(task.TaskId, new TaskReport(TaskState.Rejected, "rejected", Error: $"setting up its networks failed: {e.Message}"));
                return;
            }
        }

        var containerId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var key = NodeScopedKey.Format(node, containerId);
        var container = Container(key);
        try
        {
            await container.CreateAsync(Arguments(task));
        }
        catch (Exception e)
        {
            Report(task.TaskId, new TaskReport(TaskState.Rejected, "rejected", Error: e.Message));
            return;
        }

        _containers[task.TaskId] = key;
        if (_stopRequested.TryRemove(task.TaskId, out var grace))
        {
            await container.RemoveAsync(force: true);
            Report(task.TaskId, new TaskReport(TaskState.Shutdown, "shutdown", containerId));
            return;
        }

        Report(task.TaskId, new TaskReport(TaskState.Starting, "starting", containerId));
        try
        {
            await container.StartAsync();
        }
        catch (Exception e)
        {
            Report(task.TaskId, new TaskReport(TaskState.Failed, "starting container failed", containerId, Error: e.Message));
            await container.RemoveAsync(force: true);
            return;
        }

        if ((await container.GetAsync())?.Status == ContainerLifecycle.Running)
        {
            Report(task.TaskId, new TaskReport(TaskState.Running, "running", containerId));
        }
    }

    private void OnContainerChanged(ContainerRecord record)
    {
        if (!record.Labels.TryGetValue(TaskLabel, out var taskId))
        {
            return;
        }

        _ = Background(async () =>
        {
            var report = record.Status == ContainerLifecycle.Removed && record.FinishedAt is null
                ? new TaskReport(TaskState.Failed, "container removed", record.Id, Error: "the task's container was removed")
                : record.ExitCode == 0 && record.Error is null
                    ? new TaskReport(TaskState.Complete, "finished", record.Id, 0)
                    : new TaskReport(TaskState.Failed, "failed", record.Id, record.ExitCode,
                        record.Error ?? $"task: non-zero exit ({record.ExitCode})");
            Report(taskId, report);
            if (record.Status == ContainerLifecycle.Exited)
            {
                // A task runs once: its slot gets a new task, so the exited container is not needed (its log goes too).
                _containers.TryRemove(taskId, out _);
                await RemoveAsync(NodeScopedKey.Format(record.Node, record.Id));
            }
        }, taskId);
    }

    /// <summary>An ending outweighs any step reported before it that has not gone yet.</summary>
    private void Report(string taskId, TaskReport report)
    {
        _reports.AddOrUpdate(taskId, report, (_, pending) => pending.State.IsFinal() && !report.State.IsFinal() ? pending : report);
        if (Interlocked.Exchange(ref _flushScheduled, 1) == 0)
        {
            _ = Background(FlushReportsAsync, "reports");
        }
    }

    private async Task FlushReportsAsync()
    {
        await Task.Delay(ReportBatch);
        Volatile.Write(ref _flushScheduled, 0);
        var batch = new List<(string TaskId, TaskReport Report)>();
        foreach (var taskId in _reports.Keys)
        {
            if (_reports.TryRemove(taskId, out var report))
            {
                batch.Add((taskId, report));
            }
        }

        await Task.WhenAll(batch.Select(r => Background(() => _grains.GetGrain<ITaskGrain>(r.TaskId).ReportAsync(r.Report), r.TaskId)));
    }

    private ContainerCreateArgs Arguments(TaskAssignment task)
    {
        var t = task.Template;
        var labels = new Dictionary<string, string>(t.ContainerLabels)
        {
            [TaskLabel] = task.TaskId,
            ["com.docker.swarm.task.name"] = task.TaskName,
            ["com.docker.swarm.service.id"] = task.ServiceId,
            ["com.docker.swarm.service.name"] = task.ServiceName,
            ["com.docker.swarm.node.id"] = task.NodeId,
        };
        return new ContainerCreateArgs
        {
            Name = task.ContainerName,
            Image = t.Image,
            Entrypoint = t.Command,
            Cmd = t.Args,
            Env = t.Env,
            WorkingDir = t.WorkingDir,
            User = t.User,
            Labels = labels,
            Runtime = t.Runtime,
            Binds = t.Mounts,
            Attachments = task.Networks ?? [],
            NetworkMode = task.Networks is { Length: > 0 } networks ? networks[0].NetworkName : t.PredefinedNetwork,
            Ports = [.. t.Ports.Where(p => p.Mode == PortConfig.Host).Select(p => new PublishedPort(p.PublishedPort, p.TargetPort, p.Protocol))],
            MemoryBytes = t.LimitMemoryBytes,
            NanoCpus = t.LimitNanoCpus,
        };
    }

    /// <summary>Removal races with the removal an exit triggers: whichever comes second finds nothing, which is fine.</summary>
    private async Task RemoveAsync(string key)
    {
        try
        {
            await Container(key).RemoveAsync(force: true);
        }
        catch (FlotillaException e) when (e.Kind == ErrorKind.NotFound)
        {
        }
    }

    /// <param name="key">node/id: the node is this silo's own or one it hosts.</param>
    private IContainerGrain Container(string key) => _grains.GetGrain<IContainerGrain>(key);

    private async Task Background(Func<Task> work, string taskId)
    {
        try
        {
            await Task.Yield();
            await work();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Task {TaskId} on node {Node}: {Message}", taskId, _node.NodeName, e.Message);
        }
    }
}
