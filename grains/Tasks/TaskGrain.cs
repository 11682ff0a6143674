using Flotilla.Grains.Networks;
using Flotilla.Grains.Nodes;
using Flotilla.Grains.Scheduling;
using Flotilla.Grains.Services;
using Microsoft.Extensions.Logging;

namespace Flotilla.Grains.Tasks;

public sealed class TaskGrain(
    [PersistentState("task", "cluster")] IPersistentState<TaskRecord> state,
    ILogger<TaskGrain> logger) : Grain, ITaskGrain
{
    private TaskRecord T => state.State;

    public async Task CreateAsync(TaskRecord record, string? nodeId)
    {
        state.State = record;
        await state.WriteStateAsync();
        if (record.State == TaskState.Assigned)
        {
            await HandOverAsync(record.Node!, nodeId);
        }
    }

    public async Task AssignAsync(string? node, string? nodeId, string message)
    {
        if (!T.Exists || T.State.IsFinal() || T.DesiredState != TaskState.Running)
        {
            return;
        }

        if (node is null)
        {
            await ChangeAsync(T with { State = TaskState.Pending, Message = message });
            return;
        }

        await ChangeAsync(T with { State = TaskState.Assigned, Node = node, Message = "assigned" });
        await HandOverAsync(node, nodeId);
    }

    /// <summary>Sends the assigned task to its node: accepted, or rejected when the node can't take it.</summary>
    private async Task HandOverAsync(string node, string? nodeId)
    {
        try
        {
            // Addresses before the node hears of it (swarmkit's allocator does the same), so it can wire the container at once.
            var networks = T.Template!.Networked ? await NetworkRegistry.AllocateAsync(T.Id, node, T.ContainerName, [], T.ServiceId, []) : null;
            await GrainFactory.GetGrain<INodeGrain>(node).RunTaskAsync(
                new TaskAssignment(T.Id, T.ServiceId, T.ServiceName, T.Name, T.ContainerName, T.Template!, nodeId ?? "", networks));
            if (T.State == TaskState.Assigned)
            {
                await ChangeAsync(T with { State = TaskState.Accepted, Message = "accepted" });
            }
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Node {Node} did not take task {TaskId}", node, T.Id);
            await ChangeAsync(T with { State = TaskState.Rejected, Message = "rejected", Error = $"node {node} could not take the task: {e.Message}" });
        }
    }

    public async Task ShutdownAsync()
    {
        if (!T.Exists || T.DesiredState == TaskState.Shutdown)
        {
            return;
        }

        if (T.State.IsFinal())
        {
            await ChangeAsync(T with { DesiredState = TaskState.Shutdown });
            return;
        }

        if (T.Node is null || T.State < TaskState.Assigned)
        {
            await ChangeAsync(T with { DesiredState = TaskState.Shutdown, State = TaskState.Shutdown, Message = "shutdown" });
            return;
        }

        await ChangeAsync(T with { DesiredState = TaskState.Shutdown, Message = "shutting down" });
        try
        {
            await GrainFactory.GetGrain<INodeGrain>(T.Node).StopTaskAsync(T.Id, T.Template?.StopGracePeriod ?? TimeSpan.FromSeconds(10));
        }
        catch (Exception e)
        {
            // The node is gone: nothing runs there that we could stop, and it cleans up when it comes back.
            logger.LogInformation("Could not reach node {Node} to stop task {TaskId}: {Message}", T.Node, T.Id, e.Message);
            await ChangeAsync(T with { State = TaskState.Shutdown, Message = "shutdown (node unreachable)" });
        }
    }

    public async Task OrphanAsync(string reason)
    {
        if (T.Exists && !T.State.IsFinal())
        {
            await ChangeAsync(T with { State = TaskState.Orphaned, Message = reason });
        }
    }

    public async Task ReportAsync(TaskReport report)
    {
        if (!T.Exists || T.State.IsFinal())
        {
            return;
        }

        var next = report.State;
        if (T.DesiredState == TaskState.Shutdown && next is TaskState.Complete or TaskState.Failed)
        {
            // It ended because we stopped it: that is a shutdown, not a failure to restart for.
            next = TaskState.Shutdown;
        }

        await ChangeAsync(T with
        {
            State = next,
            Message = report.Message,
            ContainerId = report.ContainerId ?? T.ContainerId,
            ExitCode = report.ExitCode ?? T.ExitCode,
            Error = report.Error ?? T.Error,
        });
    }

    private INetworkRegistryGrain NetworkRegistry => GrainFactory.GetGrain<INetworkRegistryGrain>("networks");

    /// <summary>A running task takes its service's balanced connections; an ended one gives its addresses back.</summary>
    private async Task UpdateNetworkingAsync(bool wasRunning, bool wasFinal)
    {
        if (!wasFinal && T.State.IsFinal())
        {
            await NetworkRegistry.ReleaseAsync(T.Id);
        }
        else if (wasRunning != (T.State == TaskState.Running))
        {
            await NetworkRegistry.SetActiveAsync(T.Id, T.State == TaskState.Running);
        }
    }

    public Task<TaskRecord?> GetAsync() => Task.FromResult(T.Exists ? T : null);

    public async Task DeleteAsync()
    {
        if (T.Exists)
        {
            await state.ClearStateAsync();
            state.State = new TaskRecord();
        }

        DeactivateOnIdle();
    }

    private async Task ChangeAsync(TaskRecord next)
    {
        var wasFinal = T.State.IsFinal();
        if (next.State.IsFinal())
        {
            // As docker shows it: a task that ended is no longer wanted; its slot gets a new one.
            next = next with { DesiredState = TaskState.Shutdown };
        }

        var wasRunning = T.State == TaskState.Running;
        // Accepted, preparing and starting are steps on the way that the node reports again if a silo loses them:
        // kept in memory only. Where a task runs, that it runs, how it ended and what is wanted of it are written.
        var passing = next.State is TaskState.Accepted or TaskState.Preparing or TaskState.Starting
                      && next.DesiredState == T.DesiredState && next.Node == T.Node;
        state.State = next with { UpdatedAt = DateTimeOffset.UtcNow, Version = T.Version + 1 };
        if (passing)
        {
            return; // neither the network registry, the scheduler nor the service acts on these
        }

        await state.WriteStateAsync();

        if (T.Template?.Networked == true)
        {
            await UpdateNetworkingAsync(wasRunning, wasFinal);
        }

        if (!wasFinal && T.State.IsFinal())
        {
            await GrainFactory.GetGrain<ISchedulerGrain>("scheduler").ReleaseAsync([T.Id]);
        }

        await GrainFactory.GetGrain<IServiceGrain>(T.ServiceId).TaskChangedAsync(T);
    }
}
