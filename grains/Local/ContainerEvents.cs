using System.Collections.Concurrent;
using Flotilla.Grains.Containers;

namespace Flotilla.Grains.Local;

/// <summary>
/// Lets API calls wait for a container's next exit or its removal (docker's wait conditions). Waiters register
/// before the event (the CLI opens its wait before it starts the container), so nothing is missed.
/// </summary>
public sealed class ContainerEvents
{
    /// <summary>How a wait ended: the exit code, and an error if the container could not run.</summary>
    public sealed record WaitResult(int ExitCode, string? Error);

    private readonly ConcurrentDictionary<string, TaskCompletionSource<WaitResult>> _nextExit = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<WaitResult>> _removed = new();

    public Task<WaitResult> NextExitAsync(string id, CancellationToken ct) => Pending(_nextExit, id).Task.WaitAsync(ct);

    public Task<WaitResult> RemovedAsync(string id, CancellationToken ct) => Pending(_removed, id).Task.WaitAsync(ct);

    /// <summary>Every exit and removal on this node, for those that follow all containers (the task agent).</summary>
    public event Action<ContainerRecord>? Changed;

    public void Exited(ContainerRecord record)
    {
        Complete(_nextExit, record);
        Changed?.Invoke(record);
    }

    public void Removed(ContainerRecord record)
    {
        Complete(_nextExit, record);
        Complete(_removed, record);
        Changed?.Invoke(record);
    }

    private static TaskCompletionSource<WaitResult> Pending(ConcurrentDictionary<string, TaskCompletionSource<WaitResult>> map, string id) =>
        map.GetOrAdd(id, _ => new TaskCompletionSource<WaitResult>(TaskCreationOptions.RunContinuationsAsynchronously));

    private static void Complete(ConcurrentDictionary<string, TaskCompletionSource<WaitResult>> map, ContainerRecord record)
    {
        if (map.TryRemove(record.Id, out var waiter))
        {
            waiter.TrySetResult(new WaitResult(record.ExitCode, record.Error));
        }
    }
}
