using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Flotilla.Plugins;

namespace Flotilla.Bench.NullRuntime;

/// <summary>
/// A runtime whose containers run at once, do nothing and never exit until killed: what is left is the cost of the
/// daemon and the swarm around them. It holds its containers in memory, so a restarted daemon finds none.
/// </summary>
public sealed class NullRuntime : IContainerRuntime
{
    private readonly ConcurrentDictionary<string, Container> _containers = new(StringComparer.Ordinal);

    public string Name => "null";

    public RuntimeDescription Describe() =>
        new(Name, [new("containers", _containers.Count.ToString())], ["benchmark runtime: containers run nothing"]);

    public Task CreateAsync(ContainerSpec spec, CancellationToken ct) =>
        _containers.TryAdd(spec.Id, new Container())
            ? Task.CompletedTask
            : throw new PluginException($"container {spec.Id} already exists", PluginErrorKind.Conflict);

    public Task<IContainerStreams?> StartAsync(string id, bool attach, CancellationToken ct)
    {
        var c = Get(id);
        c.Exit = new TaskCompletionSource<ContainerExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        c.StartedAt = DateTimeOffset.UtcNow;
        return Task.FromResult<IContainerStreams?>(attach ? new NoStreams(c.Exit.Task) : null);
    }

    public Task<IContainerStreams> AttachAsync(string id, CancellationToken ct) =>
        Task.FromResult<IContainerStreams>(new NoStreams(Get(id).Exit?.Task ?? Task.CompletedTask));

    public Task<ContainerStatus> GetStatusAsync(string id, CancellationToken ct)
    {
        if (!_containers.TryGetValue(id, out var c))
        {
            return Task.FromResult(new ContainerStatus(ContainerState.Unknown));
        }

        return Task.FromResult(c.Exit switch
        {
            null => new ContainerStatus(ContainerState.Created),
            { Task.IsCompleted: true } exit => new ContainerStatus(ContainerState.Exited, StartedAt: c.StartedAt, Exit: exit.Task.Result),
            _ => new ContainerStatus(ContainerState.Running, Environment.ProcessId, c.StartedAt),
        });
    }

    public Task<ContainerExit> WaitAsync(string id, CancellationToken ct) =>
        Get(id).Exit?.Task.WaitAsync(ct) ?? throw new PluginException($"container {id} was never started", PluginErrorKind.Conflict);

    public Task KillAsync(string id, int signal, CancellationToken ct)
    {
        Get(id).Exit?.TrySetResult(new ContainerExit(128 + signal, DateTimeOffset.UtcNow));
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string id, CancellationToken ct)
    {
        if (_containers.TryGetValue(id, out var c) && c.Exit is { Task.IsCompleted: false })
        {
            throw new PluginException($"container {id} is running; stop it first", PluginErrorKind.Conflict);
        }

        _containers.TryRemove(id, out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<string>>([.. _containers.Keys]);

    public async IAsyncEnumerable<LogEntry> ReadLogsAsync(string id, bool follow, [EnumeratorCancellation] CancellationToken ct)
    {
        if (follow && Get(id).Exit is { } exit)
        {
            await exit.Task.WaitAsync(ct);
        }

        yield break;
    }

    public Task<IExecProcess> ExecAsync(string id, ExecSpec spec, CancellationToken ct) =>
        throw new PluginException("the null runtime runs no processes, so it can't exec", PluginErrorKind.NotSupported);

    private Container Get(string id) =>
        _containers.TryGetValue(id, out var c) ? c : throw new PluginException($"no such container: {id}", PluginErrorKind.NotFound);

    private sealed class Container
    {
        public TaskCompletionSource<ContainerExit>? Exit { get; set; }

        public DateTimeOffset? StartedAt { get; set; }
    }

    /// <summary>A container with no output: the stream ends when it exits.</summary>
    private sealed class NoStreams(Task exited) : IContainerStreams
    {
        public async IAsyncEnumerable<OutputFrame> ReadOutputAsync([EnumeratorCancellation] CancellationToken ct)
        {
            await exited.WaitAsync(ct);
            yield break;
        }

        public ValueTask WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken ct) => ValueTask.CompletedTask;

        public ValueTask CloseInputAsync(CancellationToken ct) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
