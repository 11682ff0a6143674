using Orleans.Concurrency;

namespace Flotilla.Grains.Tasks;

/// <summary>
/// One task of a service (key: task id): the dispatcher between the service's orchestrator and the node that runs
/// it. It hands the task to its node, records what the node reports and tells its service of every change.
/// </summary>
public interface ITaskGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records a new task, written once: Assigned to <c>record.Node</c> (then sent there, as <see cref="AssignAsync"/>
    /// does), or Pending with <c>record.Message</c> when no node suits it.
    /// </summary>
    Task CreateAsync(TaskRecord record, string? nodeId);

    /// <summary>
    /// The scheduler's decision: with a node, the task is sent there (Assigned → Accepted; a node that can't take it
    /// rejects it); without one it waits (Pending) with <paramref name="message"/> saying why.
    /// </summary>
    Task AssignAsync(string? node, string? nodeId, string message);

    /// <summary>The orchestrator no longer wants the task: its container is stopped and removed.</summary>
    Task ShutdownAsync();

    /// <summary>The task's node went down: the task is given up (Orphaned) and its slot refilled elsewhere.</summary>
    Task OrphanAsync(string reason);

    /// <summary>From the node's agent: the task moved on (starting, running, complete, failed, rejected…).</summary>
    Task ReportAsync(TaskReport report);

    [AlwaysInterleave]
    Task<TaskRecord?> GetAsync();

    /// <summary>Forgets the task (history trimmed or service removed).</summary>
    Task DeleteAsync();
}
