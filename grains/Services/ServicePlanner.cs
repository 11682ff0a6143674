using Flotilla.Grains.Scheduling;
using Flotilla.Grains.Swarm;
using Flotilla.Grains.Tasks;

namespace Flotilla.Grains.Services;

/// <summary>
/// The orchestrator's decisions for one service, as plain logic over a snapshot (swarmkit's replicated and global
/// orchestrators, restart supervisor and updater in one pass):
/// tasks on nodes that are down are orphaned and drained nodes give theirs up; every slot (or eligible node) gets one
/// live task, restarted per the restart policy and its delay (rejections back off); extra tasks shut down; tasks of
/// an older spec are replaced <see cref="UpdatePolicy.Parallelism"/> at a time, and a new task that fails during an
/// update pauses it or asks for a rollback.
/// </summary>
public static class ServicePlanner
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    public sealed record Input(
        ServiceSpec Spec,
        long Version,
        IReadOnlyCollection<TaskRecord> Tasks,
        IReadOnlyList<NodeView> Nodes,
        DateTimeOffset Now,
        UpdateStatus? Update,
        DateTimeOffset? LastBatchAt);

    public static ServicePlan Plan(Input input)
    {
        var plan = new ServicePlan();
        var nodes = input.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var gone = new HashSet<string>(StringComparer.Ordinal);
        foreach (var task in input.Tasks.Where(t => !t.State.IsFinal() && t.Node is not null))
        {
            if (!nodes.TryGetValue(task.Node!, out var node) || !node.Ready)
            {
                plan.Orphan.Add((task.Id, $"node {task.Node} is down"));
                gone.Add(task.Id);
            }
            else if (node.Record.Availability == NodeAvailability.Drain && task.DesiredState == TaskState.Running)
            {
                plan.Shutdown.Add(task.Id);
                gone.Add(task.Id);
            }
        }

        var live = input.Tasks
            .Where(t => !t.State.IsFinal() && t.DesiredState == TaskState.Running && !gone.Contains(t.Id))
            .ToList();
        var history = input.Tasks.Where(t => t.State.IsFinal() || gone.Contains(t.Id)).ToList();

        if (input.Spec.Mode == ServiceMode.Replicated)
        {
            // By slot once: a service of thousands of replicas is planned at every change of one of its tasks.
            var liveBySlot = live.ToLookup(t => t.Slot);
            var historyBySlot = history.ToLookup(t => t.Slot);
            for (var slot = 1; slot <= input.Spec.Replicas; slot++)
            {
                var inSlot = liveBySlot[slot].OrderByDescending(t => t.SpecVersion).ThenByDescending(t => t.CreatedAt).ToList();
                plan.Shutdown.AddRange(inSlot.Skip(1).Select(t => t.Id));
                if (inSlot.Count == 0)
                {
                    Refill(plan, input, historyBySlot[slot].ToList(), slot, null);
                }
            }

            plan.Shutdown.AddRange(live.Where(t => t.Slot > input.Spec.Replicas || t.Slot < 1).Select(t => t.Id));
        }
        else
        {
            var constraints = input.Spec.Task.Constraints.Select(PlacementConstraint.Parse).ToList();
            var eligible = input.Nodes
                .Where(n => n.Schedulable && constraints.All(c => c.IsSatisfiedBy(n.Record))
                            && (input.Spec.Task.Runtime is not { Length: > 0 } r || n.Record.Description.Runtimes.Contains(r)))
                .Select(n => n.Name)
                .ToHashSet(StringComparer.Ordinal);
            var liveByNode = live.ToLookup(t => t.Node ?? "");
            var historyByNode = history.ToLookup(t => t.Node ?? "");
            foreach (var node in eligible.Order(StringComparer.Ordinal))
            {
                var onNode = liveByNode[node].OrderByDescending(t => t.SpecVersion).ToList();
                plan.Shutdown.AddRange(onNode.Skip(1).Select(t => t.Id));
                if (onNode.Count == 0)
                {
                    Refill(plan, input, historyByNode[node].ToList(), 0, node);
                }
            }

            plan.Shutdown.AddRange(live.Where(t => t.Node is null || !eligible.Contains(t.Node)).Select(t => t.Id));
        }

        var shutdown = plan.Shutdown.ToHashSet(StringComparer.Ordinal);
        RollOut(plan, input, live.Where(t => !shutdown.Contains(t.Id)).ToList());
        return plan;
    }

    /// <summary>Desired task count: replicas, or the nodes a global service can use.</summary>
    public static int Desired(ServiceSpec spec, IReadOnlyList<NodeView> nodes)
    {
        if (spec.Mode == ServiceMode.Replicated)
        {
            return (int)spec.Replicas;
        }

        var constraints = spec.Task.Constraints.Select(PlacementConstraint.Parse).ToList();
        return nodes.Count(n => n.Schedulable && constraints.All(c => c.IsSatisfiedBy(n.Record)));
    }

    private static void Refill(ServicePlan plan, Input input, List<TaskRecord> slotHistory, int slot, string? node)
    {
        var last = slotHistory.OrderByDescending(t => t.UpdatedAt).FirstOrDefault();
        if (last is null || last.State is TaskState.Orphaned or TaskState.Shutdown)
        {
            // A first task, or one the swarm itself took away (node lost, drained, replaced): no policy applies.
            plan.Create.Add((slot, node));
            return;
        }

        var template = input.Spec.Task;
        var current = last.SpecVersion == input.Version;
        if (current && template.RestartCondition == RestartCondition.None && last.State is TaskState.Complete or TaskState.Failed)
        {
            return;
        }

        if (current && template.RestartCondition == RestartCondition.OnFailure && last.State == TaskState.Complete)
        {
            return;
        }

        var failures = slotHistory.Count(t => t.SpecVersion == input.Version && t.State is TaskState.Failed or TaskState.Rejected);
        if (current && template.RestartMaxAttempts > 0 && failures >= template.RestartMaxAttempts)
        {
            return;
        }

        var delay = template.RestartDelay;
        if (last.State == TaskState.Rejected)
        {
            // A node that can't even start the task (unknown image…): try again, less and less often.
            var rejections = slotHistory.Count(t => t.State == TaskState.Rejected);
            var backoff = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(rejections, 10) - 1)));
            delay = delay > backoff ? delay : backoff;
        }

        var due = last.UpdatedAt + delay;
        if (due <= input.Now)
        {
            plan.Create.Add((slot, node));
        }
        else
        {
            plan.Wake(due - input.Now);
        }
    }

    private static void RollOut(ServicePlan plan, Input input, List<TaskRecord> live)
    {
        if (input.Update is not { } update || update.State is UpdateState.Completed or UpdateState.RollbackCompleted)
        {
            return;
        }

        if (update.State is UpdateState.Paused or UpdateState.RollbackPaused)
        {
            return;
        }

        var rollingBack = update.State == UpdateState.RollbackStarted;
        var policy = rollingBack ? input.Spec.Rollback : input.Spec.Update;
        var failedNew = input.Tasks.Any(t => t.SpecVersion == input.Version && t.CreatedAt >= update.StartedAt
                                             && t.State is TaskState.Failed or TaskState.Rejected);
        if (failedNew && policy.FailureAction != UpdateFailureAction.Continue)
        {
            plan.NewUpdateState = (rollingBack, policy.FailureAction) switch
            {
                (false, UpdateFailureAction.Rollback) => UpdateState.RollbackStarted,
                (false, _) => UpdateState.Paused,
                _ => UpdateState.RollbackPaused,
            };
            plan.UpdateMessage = rollingBack ? "rollback paused: a task failed during the rollback" : "update paused: a new task failed";
            return;
        }

        var outdated = live.Where(t => t.SpecVersion < input.Version).OrderBy(t => t.Slot).ThenBy(t => t.Node).ToList();
        var unsettled = live.Count(t => t.SpecVersion == input.Version
                                        && (t.State != TaskState.Running || t.UpdatedAt + policy.Monitor > input.Now));
        if (outdated.Count == 0)
        {
            if (unsettled == 0 && !plan.Create.Any())
            {
                plan.NewUpdateState = rollingBack ? UpdateState.RollbackCompleted : UpdateState.Completed;
                plan.UpdateMessage = rollingBack ? "rollback completed" : "update completed";
            }
            else
            {
                plan.Wake(policy.Monitor);
            }

            return;
        }

        var parallelism = policy.Parallelism <= 0 ? int.MaxValue : policy.Parallelism;
        var room = parallelism - unsettled;
        if (room <= 0)
        {
            plan.Wake(TimeSpan.FromMilliseconds(500));
            return;
        }

        if (input.LastBatchAt is { } last && last + policy.Delay > input.Now)
        {
            plan.Wake(last + policy.Delay - input.Now);
            return;
        }

        foreach (var task in outdated.Take(room))
        {
            plan.Shutdown.Add(task.Id);
            plan.Create.Add((task.Slot, task.Slot > 0 ? null : task.Node));
        }

        plan.StartedBatch = true;
        plan.Wake(policy.Monitor);
    }
}
