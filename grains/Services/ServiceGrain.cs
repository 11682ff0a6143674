using Flotilla.Grains.Networks;
using Flotilla.Grains.Scheduling;
using Flotilla.Grains.Swarm;
using Flotilla.Grains.Tasks;
using Microsoft.Extensions.Logging;

namespace Flotilla.Grains.Services;

public sealed class ServiceGrain(
    [PersistentState("service", "cluster")] IPersistentState<ServiceState> state,
    CreationBudget budget,
    NodeDirectory nodeDirectory,
    ILogger<ServiceGrain> logger) : Grain, IServiceGrain, IRemindable
{
    /// <summary>Finished tasks kept per slot for <c>service ps</c> (docker's task history limit).</summary>
    private const int HistoryPerSlot = 5;

    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    /// <summary>
    /// New tasks created per look: a service of thousands of replicas creates them over several short turns, so
    /// that its tasks' reports are heard in between and the silo's work in flight stays bounded.
    /// </summary>
    private const int CreateBatch = 200;

    /// <summary>How soon a service that got no share of the silo's <see cref="CreationBudget"/> tries again.</summary>
    private static readonly TimeSpan BudgetRetry = TimeSpan.FromMilliseconds(200);

    private ServiceState S => state.State;

    private string Id => this.GetPrimaryKeyString();

    private DateTimeOffset _wakeAt = DateTimeOffset.MaxValue;
    private IGrainTimer? _timer;
    private IGrainTimer? _soon;

    public override async Task OnActivateAsync(CancellationToken ct)
    {
        if (S.Spec is not null)
        {
            await RefreshTasksAsync();
            StartTicking();
            // Not now: the orchestrator calls the scheduler, which may be asking this grain for its tasks (it can't
            // answer before its activation ends).
            ReconcileSoon();
        }
    }

    /// <summary>
    /// The stored view of the tasks is written when tasks come and go, not as each moves on (their grains hold the
    /// truth): after a move or a restart, the view of the tasks that had not ended is read again from them.
    /// </summary>
    private async Task RefreshTasksAsync()
    {
        var live = S.Tasks.Values.Where(t => !t.State.IsFinal()).Select(t => t.Id).ToList();
        var records = await Task.WhenAll(live.Select(id => TaskOf(id).GetAsync()));
        foreach (var (id, record) in live.Zip(records))
        {
            if (record is null)
            {
                S.Tasks.Remove(id); // never created (its creation failed): the slot gets a new task
            }
            else
            {
                S.Tasks[id] = record with { Template = null, SpecVersion = Math.Max(S.Tasks[id].SpecVersion, record.SpecVersion) };
            }
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
        // The orchestrator creates and places the tasks right after this answers, as swarm's does: a service of
        // thousands of replicas would otherwise answer after the API's response timeout.
        ReconcileSoon();
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
        ReconcileSoon();
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
        await Scheduler.ReleaseAsync([.. tasks]);
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

        // A task on its way to running asks nothing of the orchestrator and is not written here (its grain holds
        // the truth, read again when this grain activates).
        return Task.CompletedTask;
    }

    public Task<Dictionary<string, Reservation>> ReservationsAsync()
    {
        var held = new Dictionary<string, Reservation>(StringComparer.Ordinal);
        if (S.Spec is { Task: var template })
        {
            foreach (var t in S.Tasks.Values.Where(t => t.Node is not null && t.State >= TaskState.Assigned && !t.State.IsFinal()))
            {
                held[t.Id] = new Reservation(t.Node!, Id, template.ReserveNanoCpus, template.ReserveMemoryBytes);
            }
        }

        return Task.FromResult(held);
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
        }, new GrainTimerCreationOptions(Tick, Tick) { KeepAlive = true });

    /// <summary>
    /// Task reports come in bursts (containers of a node ending together, a batch starting): one reconcile a few
    /// milliseconds later answers the whole burst, where one per report would queue a round of writes each.
    /// </summary>
    private void ReconcileSoon(TimeSpan? after = null) =>
        _soon ??= this.RegisterGrainTimer(async () =>
        {
            _soon?.Dispose();
            _soon = null;
            if (S.Spec is not null)
            {
                await ReconcileNowAsync();
            }
        }, new GrainTimerCreationOptions(after ?? TimeSpan.FromMilliseconds(20), Timeout.InfiniteTimeSpan));

    private async Task ReconcileNowAsync()
    {
        var nodes = await nodeDirectory.ListAsync();
        var now = DateTimeOffset.UtcNow;
        var plan = ServicePlanner.Plan(new ServicePlanner.Input(S.Spec!, S.Version, S.Tasks.Values, nodes, now, S.Update, S.LastBatchAt));
        _wakeAt = plan.WakeAfter is { } after ? now + after : now + TimeSpan.FromSeconds(5);

        var changed = plan.Orphan.Count > 0 || plan.Shutdown.Count > 0 || plan.StartedBatch || plan.NewUpdateState is not null;
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

        var granted = plan.Create.Count == 0 ? 0 : budget.Take(Math.Min(plan.Create.Count, CreateBatch));
        if (plan.Create.Count > granted)
        {
            ReconcileSoon(granted == 0 ? BudgetRetry : null);
        }

        var created = plan.Create.Take(granted).Select(c => new TaskRecord
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
        try
        {
            changed |= await PlaceAsync(created);
        }
        finally
        {
            budget.Return(granted);
        }

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

        changed |= await TrimHistoryAsync();
        if (changed)
        {
            // The view of the tasks goes along; nothing is written when a look found nothing to do.
            await state.WriteStateAsync();
        }
    }

    /// <summary>
    /// New tasks, and those that found no node before, go to the scheduler. A new task's grain is written once,
    /// already assigned (or pending with the reason), and hands itself to its node; one that waited is assigned.
    /// Says whether any task was created or placed.
    /// </summary>
    private async Task<bool> PlaceAsync(List<TaskRecord> created)
    {
        var waiting = S.Tasks.Values.Where(t => t.State is TaskState.New or TaskState.Pending && t.DesiredState == TaskState.Running)
            .Concat(created).ToList();
        if (waiting.Count == 0)
        {
            return false;
        }

        var template = S.Spec!.Task;
        var requests = waiting.Select(t => new PlacementRequest(t.Id, Id, template.Constraints, template.ReserveNanoCpus,
            template.ReserveMemoryBytes, template.Runtime, t.Slot == 0 ? t.Node : null)).ToList();
        var decisions = await Scheduler.PlaceAsync(requests);
        var fresh = created.ToDictionary(t => t.Id, StringComparer.Ordinal);
        var failed = new List<string>();
        await Task.WhenAll(decisions.Select(async d =>
        {
            var task = fresh.GetValueOrDefault(d.TaskId) ?? S.Tasks[d.TaskId];
            var next = d.Node is null
                ? task with { State = TaskState.Pending, Message = d.Message }
                : task with { State = TaskState.Assigned, Node = d.Node, Message = "assigned" };
            if (!fresh.ContainsKey(d.TaskId))
            {
                S.Tasks[d.TaskId] = next;
                await TaskOf(d.TaskId).AssignAsync(d.Node, d.NodeId, d.Message);
                return;
            }

            try
            {
                await TaskOf(d.TaskId).CreateAsync(next, d.NodeId);
                S.Tasks[d.TaskId] = next with { Template = null };
            }
            catch (Exception e)
            {
                // Not recorded here: the slot gets another task at the next look.
                logger.LogWarning(e, "Service {ServiceId}: creating task {TaskId} failed", Id, d.TaskId);
                failed.Add(d.TaskId);
            }
        }));
        if (failed.Count > 0)
        {
            await Scheduler.ReleaseAsync([.. failed]);
            ReconcileSoon();
        }

        return created.Count > 0 || decisions.Any(d => d.Node is not null);
    }

    private ISchedulerGrain Scheduler => GrainFactory.GetGrain<ISchedulerGrain>("scheduler");

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

    private async Task<bool> TrimHistoryAsync()
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

        return old.Count > 0;
    }

    private async Task<ServiceView> ViewAsync()
    {
        var nodes = await nodeDirectory.ListAsync();
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
