using Flotilla.Grains.Networks;
using Flotilla.Grains.Scheduling;
using Flotilla.Grains.Swarm;
using Flotilla.Grains.Tasks;
using Microsoft.Extensions.Logging;

namespace Flotilla.Grains.Services;

public sealed class ServiceGrain(
    [PersistentState("service", "cluster")] IPersistentState<ServiceState> state,
    ILogger<ServiceGrain> logger) : Grain, IServiceGrain, IRemindable
{
    /// <summary>Finished tasks kept per slot for <c>service ps</c> (docker's task history limit).</summary>
    private const int HistoryPerSlot = 5;

    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    private ServiceState S => state.State;

    private string Id => this.GetPrimaryKeyString();

    private DateTimeOffset _wakeAt = DateTimeOffset.MaxValue;
    private IGrainTimer? _timer;
    private IGrainTimer? _soon;

    /// <summary>Tasks moved on (preparing, starting, running…) since the state was last written.</summary>
    private bool _unsaved;

    public override async Task OnActivateAsync(CancellationToken ct)
    {
        if (S.Spec is not null)
        {
            StartTicking();
            await ReconcileNowAsync();
        }
    }

    public async Task<ServiceView> CreateAsync(ServiceSpec spec)
    {
        if (S.Spec is not null)
        {
            throw FlotillaException.Conflict($"service {Id} already exists");
        }

        ServiceSpecRules.Validate(spec);
        var endpoint = await AttachNetworksAsync(spec);
        try
        {
            await GrainFactory.GetGrain<IServiceCatalogGrain>("services").AddAsync(new ServiceEntry(Id, spec.Name));
        }
        catch
        {
            await NetworkRegistry.DetachServiceAsync(Id);
            throw;
        }

        var now = DateTimeOffset.UtcNow;
        state.State = new ServiceState { Spec = spec, Version = 1, CreatedAt = now, UpdatedAt = now, Endpoint = endpoint };
        await state.WriteStateAsync();
        // Reminders outlive the silo: after a restart of the whole cluster, services come back by themselves.
        await this.RegisterOrUpdateReminder("reconcile", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        StartTicking();
        await ReconcileNowAsync();
        logger.LogInformation("Created service {ServiceId} ({Name})", Id, spec.Name);
        return await ViewAsync();
    }

    public async Task<ServiceView?> GetAsync() => S.Spec is null ? null : await ViewAsync();

    public async Task<ServiceView> UpdateAsync(ServiceSpec spec, long version)
    {
        EnsureExists();
        CheckVersion(version);
        ServiceSpecRules.Validate(spec);
        if (spec.Name != S.Spec!.Name)
        {
            throw FlotillaException.Invalid($"renaming a service is not supported (from {S.Spec.Name} to {spec.Name}).");
        }

        if (spec.Mode != S.Spec.Mode)
        {
            throw FlotillaException.Invalid("a service's mode (replicated or global) can't change; create another service.");
        }

        var rollout = spec.Task != S.Spec.Task;
        S.Endpoint = await AttachNetworksAsync(spec);
        S.PreviousSpec = S.Spec;
        S.Spec = spec;
        S.Version++;
        S.UpdatedAt = DateTimeOffset.UtcNow;
        if (rollout)
        {
            S.Update = new UpdateStatus(UpdateState.Updating, S.UpdatedAt, null, "update in progress");
            S.LastBatchAt = null;
        }
        else
        {
            // Only replicas or labels changed: tasks of the previous version stay as they are.
            foreach (var task in S.Tasks.Values.Where(t => !t.State.IsFinal()).ToList())
            {
                S.Tasks[task.Id] = task with { SpecVersion = S.Version };
            }
        }

        await state.WriteStateAsync();
        await ReconcileNowAsync();
        return await ViewAsync();
    }

    public async Task<ServiceView> RollbackAsync(long version)
    {
        EnsureExists();
        CheckVersion(version);
        if (S.PreviousSpec is null)
        {
            throw FlotillaException.Invalid($"service {S.Spec!.Name} has no previous spec to roll back to.");
        }

        await StartRollbackAsync("manually requested rollback");
        return await ViewAsync();
    }

    public async Task RemoveAsync()
    {
        EnsureExists();
        var tasks = S.Tasks.Keys.ToList();
        await Task.WhenAll(tasks.Select(id => TaskOf(id).ShutdownAsync()));
        await Task.WhenAll(tasks.Select(id => TaskOf(id).DeleteAsync()));
        await GrainFactory.GetGrain<ISchedulerGrain>("scheduler").ReleaseAsync([.. tasks]);
        await GrainFactory.GetGrain<IServiceCatalogGrain>("services").RemoveAsync(Id);
        if (S.Endpoint.VirtualIps.Length > 0 || S.Spec!.Task.Networked)
        {
            await NetworkRegistry.DetachServiceAsync(Id);
        }

        if (await this.GetReminder("reconcile") is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        _timer?.Dispose();
        await state.ClearStateAsync();
        state.State = new ServiceState();
        logger.LogInformation("Removed service {ServiceId}", Id);
        DeactivateOnIdle();
    }

    public async Task<IReadOnlyList<TaskRecord>> ListTasksAsync()
    {
        var records = await Task.WhenAll(S.Tasks.Keys.ToList().Select(id => TaskOf(id).GetAsync()));
        return [.. records.Where(r => r is not null).Select(r => r!).OrderBy(r => r.Slot).ThenBy(r => r.Node).ThenByDescending(r => r.CreatedAt)];
    }

    public Task TaskChangedAsync(TaskRecord task)
    {
        if (S.Spec is null || !S.Tasks.TryGetValue(task.Id, out var known) || known.Version > task.Version)
        {
            return Task.CompletedTask;
        }

        S.Tasks[task.Id] = task with { Template = null, SpecVersion = Math.Max(known.SpecVersion, task.SpecVersion) };
        if (task.State.IsFinal() || S.Update is { State: UpdateState.Updating or UpdateState.RollbackStarted })
        {
            ReconcileSoon();
        }
        else
        {
            // A task on its way to running asks nothing of the orchestrator (its task grain holds the truth): a
            // service of thousands of tasks plans and saves once a tick for these, not at each of them.
            _unsaved = true;
        }

        return Task.CompletedTask;
    }

    public Task ReconcileAsync() => S.Spec is null ? Task.CompletedTask : ReconcileNowAsync();

    public Task ReceiveReminder(string reminderName, TickStatus status) => ReconcileAsync();

    private void StartTicking() =>
        _timer ??= this.RegisterGrainTimer(async () =>
        {
            if (S.Spec is not null && DateTimeOffset.UtcNow >= _wakeAt)
            {
                await ReconcileNowAsync();
            }
            else if (S.Spec is not null && _unsaved)
            {
                _unsaved = false;
                await state.WriteStateAsync();
            }
        }, new GrainTimerCreationOptions(Tick, Tick) { KeepAlive = true });

    /// <summary>
    /// Task reports come in bursts (containers of a node ending together, a batch starting): one reconcile a few
    /// milliseconds later answers the whole burst, where one per report would queue a round of writes each.
    /// </summary>
    private void ReconcileSoon() =>
        _soon ??= this.RegisterGrainTimer(async () =>
        {
            _soon?.Dispose();
            _soon = null;
            if (S.Spec is not null)
            {
                await ReconcileNowAsync();
            }
        }, new GrainTimerCreationOptions(TimeSpan.FromMilliseconds(20), Timeout.InfiniteTimeSpan));

    private async Task ReconcileNowAsync()
    {
        var nodes = await GrainFactory.GetGrain<INodeRegistryGrain>("nodes").ListAsync();
        var now = DateTimeOffset.UtcNow;
        var plan = ServicePlanner.Plan(new ServicePlanner.Input(S.Spec!, S.Version, S.Tasks.Values, nodes, now, S.Update, S.LastBatchAt));
        _wakeAt = plan.WakeAfter is { } after ? now + after : now + TimeSpan.FromSeconds(5);

        // Each task is its own grain with its own stored state: tell them all at once, not one write after another.
        await Task.WhenAll(plan.Orphan.Select(o => TaskOf(o.TaskId).OrphanAsync(o.Reason)));
        foreach (var (taskId, reason) in plan.Orphan)
        {
            S.Tasks[taskId] = S.Tasks[taskId] with { State = TaskState.Orphaned, Message = reason, UpdatedAt = now };
        }

        var shutdown = plan.Shutdown.Distinct().ToList();
        await Task.WhenAll(shutdown.Select(id => TaskOf(id).ShutdownAsync()));
        foreach (var taskId in shutdown)
        {
            S.Tasks[taskId] = S.Tasks[taskId] with { DesiredState = TaskState.Shutdown, UpdatedAt = now };
        }

        var created = plan.Create.Select(c => new TaskRecord
            {
                Id = SwarmIds.New(),
                ServiceId = Id,
                ServiceName = S.Spec!.Name,
                Slot = c.Slot,
                Node = c.Node,
                SpecVersion = S.Version,
                Template = S.Spec.Task,
                State = TaskState.New,
                Message = "created",
                CreatedAt = now,
                UpdatedAt = now,
                Version = 1,
            }).ToList();
        await Task.WhenAll(created.Select(task => TaskOf(task.Id).CreateAsync(task)));
        foreach (var task in created)
        {
            S.Tasks[task.Id] = task with { Template = null };
        }

        await PlacePendingAsync();

        if (plan.StartedBatch)
        {
            S.LastBatchAt = now;
        }

        if (plan.NewUpdateState is { } next)
        {
            if (next == UpdateState.RollbackStarted)
            {
                await StartRollbackAsync(plan.UpdateMessage);
                return;
            }

            S.Update = S.Update! with
            {
                State = next,
                Message = plan.UpdateMessage,
                CompletedAt = next is UpdateState.Completed or UpdateState.RollbackCompleted ? now : null,
            };
            logger.LogInformation("Service {ServiceId}: {Message}", Id, plan.UpdateMessage);
        }

        await TrimHistoryAsync();
        _unsaved = false;
        await state.WriteStateAsync();
    }

    /// <summary>New tasks, and those that found no node before, go to the scheduler; placed ones go to their node.</summary>
    private async Task PlacePendingAsync()
    {
        var waiting = S.Tasks.Values.Where(t => t.State is TaskState.New or TaskState.Pending && t.DesiredState == TaskState.Running).ToList();
        if (waiting.Count == 0)
        {
            return;
        }

        var template = S.Spec!.Task;
        var requests = waiting.Select(t => new PlacementRequest(t.Id, Id, template.Constraints, template.ReserveNanoCpus,
            template.ReserveMemoryBytes, template.Runtime, t.Slot == 0 ? t.Node : null)).ToList();
        var decisions = await GrainFactory.GetGrain<ISchedulerGrain>("scheduler").PlaceAsync(requests);
        foreach (var decision in decisions)
        {
            var task = S.Tasks[decision.TaskId];
            S.Tasks[task.Id] = decision.Node is null
                ? task with { State = TaskState.Pending, Message = decision.Message }
                : task with { State = TaskState.Assigned, Node = decision.Node, Message = "assigned" };
        }

        await Task.WhenAll(decisions.Select(d => TaskOf(d.TaskId).AssignAsync(d.Node, d.NodeId, d.Message)));
    }

    private async Task StartRollbackAsync(string reason)
    {
        var previous = S.PreviousSpec!;
        S.Endpoint = await AttachNetworksAsync(previous);
        S.PreviousSpec = S.Spec;
        S.Spec = previous;
        S.Version++;
        S.UpdatedAt = DateTimeOffset.UtcNow;
        S.Update = new UpdateStatus(UpdateState.RollbackStarted, S.UpdatedAt, null, $"rollback started: {reason}");
        S.LastBatchAt = null;
        logger.LogWarning("Service {ServiceId}: rolling back ({Reason})", Id, reason);
        await state.WriteStateAsync();
        await ReconcileNowAsync();
    }

    private async Task TrimHistoryAsync()
    {
        var old = S.Tasks.Values
            .Where(t => t.State.IsFinal())
            .GroupBy(t => t.Slot > 0 ? t.Slot.ToString() : t.Node ?? "")
            .SelectMany(g => g.OrderByDescending(t => t.UpdatedAt).Skip(HistoryPerSlot))
            .ToList();
        await Task.WhenAll(old.Select(task => TaskOf(task.Id).DeleteAsync()));
        foreach (var task in old)
        {
            S.Tasks.Remove(task.Id);
        }
    }

    private async Task<ServiceView> ViewAsync()
    {
        var nodes = await GrainFactory.GetGrain<INodeRegistryGrain>("nodes").ListAsync();
        var running = S.Tasks.Values.Count(t => t.State == TaskState.Running && t.DesiredState == TaskState.Running);
        return new ServiceView(Id, S.Spec!, S.PreviousSpec, S.Version, S.CreatedAt, S.UpdatedAt, S.Update, running,
            ServicePlanner.Desired(S.Spec!, nodes), S.Endpoint);
    }

    private INetworkRegistryGrain NetworkRegistry => GrainFactory.GetGrain<INetworkRegistryGrain>("networks");

    /// <summary>The service's networks, virtual IP and ingress ports in the swarm's network registry (whose checks
    /// can refuse the spec); no call for a service that has and had none.</summary>
    private async Task<ServiceEndpoint> AttachNetworksAsync(ServiceSpec spec) =>
        spec.Task.Networked || spec.Task.Ports.Length > 0 || S.Endpoint.VirtualIps.Length > 0
            ? await NetworkRegistry.AttachServiceAsync(Id, spec.Name, spec.Task.Networks, spec.Task.Ports)
            : ServiceEndpoint.None;

    private ITaskGrain TaskOf(string id) => GrainFactory.GetGrain<ITaskGrain>(id);

    private void EnsureExists()
    {
        if (S.Spec is null)
        {
            throw FlotillaException.NotFound($"service {Id} not found");
        }
    }

    private void CheckVersion(long version)
    {
        if (version != S.Version)
        {
            throw FlotillaException.Conflict($"update out of sequence: service {S.Spec!.Name} is at version {S.Version}, not {version}. Inspect it again and retry.");
        }
    }

}
