using System.Collections.Concurrent;
using System.Threading.Channels;
using Flotilla.Plugins;

namespace Flotilla.Grains.Local;

/// <summary>
/// Connects attach requests made before a container starts (docker run's order: attach, then start) to the
/// output the runtime streams once it does. Every subscriber sees every frame; a slow subscriber does not lose data.
/// </summary>
public sealed class ContainerStreamHub
{
    private readonly ConcurrentDictionary<string, List<Subscription>> _pending = new();

    /// <summary>An attach waiting for (then reading) a container's output.</summary>
    public sealed class Subscription(ContainerStreamHub hub, string id) : IDisposable
    {
        internal Channel<OutputFrame> Frames { get; } = Channel.CreateUnbounded<OutputFrame>(new() { SingleReader = true });

        internal TaskCompletionSource<IContainerStreams> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ChannelReader<OutputFrame> Output => Frames.Reader;

        /// <summary>The live streams once the container runs: for stdin.</summary>
        public Task<IContainerStreams> StreamsAsync(CancellationToken ct) => Started.Task.WaitAsync(ct);

        public void Dispose() => hub.Unsubscribe(id, this);
    }

    public Subscription Subscribe(string id)
    {
        var subscription = new Subscription(this, id);
        var list = _pending.GetOrAdd(id, _ => []);
        lock (list)
        {
            list.Add(subscription);
        }

        return subscription;
    }

    public bool HasSubscribers(string id) => _pending.TryGetValue(id, out var list) && list.Count > 0;

    /// <summary>Hands the started container's streams to everyone subscribed, and pumps output until it ends.</summary>
    public void Publish(string id, IContainerStreams streams)
    {
        if (!_pending.TryRemove(id, out var list))
        {
            _ = streams.DisposeAsync().AsTask();
            return;
        }

        Subscription[] subscribers;
        lock (list)
        {
            subscribers = [.. list];
        }

        foreach (var s in subscribers)
        {
            s.Started.TrySetResult(streams);
        }

        _ = Task.Run(() => PumpAsync(streams, subscribers));
    }

    /// <summary>The container could not start: end every pending attach.</summary>
    public void Fail(string id)
    {
        if (_pending.TryRemove(id, out var list))
        {
            lock (list)
            {
                foreach (var s in list)
                {
                    s.Frames.Writer.TryComplete();
                    s.Started.TrySetCanceled();
                }
            }
        }
    }

    private static async Task PumpAsync(IContainerStreams streams, Subscription[] subscribers)
    {
        try
        {
            await foreach (var frame in streams.ReadOutputAsync(CancellationToken.None))
            {
                // A copy: the runtime may reuse its buffer for the next frame while a subscriber still holds this one.
                var owned = frame with { Data = frame.Data.ToArray() };
                foreach (var s in subscribers)
                {
                    s.Frames.Writer.TryWrite(owned);
                }
            }
        }
        finally
        {
            foreach (var s in subscribers)
            {
                s.Frames.Writer.TryComplete();
            }

            await streams.DisposeAsync();
        }
    }

    private void Unsubscribe(string id, Subscription subscription)
    {
        if (_pending.TryGetValue(id, out var list))
        {
            lock (list)
            {
                list.Remove(subscription);
            }
        }
    }
}
