using Orleans.Storage;

namespace Flotilla.Host.Persistence;

/// <summary>
/// The swarm's grain storage with at most <see cref="Limit"/> operations in flight per silo; the rest wait their turn.
/// A burst (a service of thousands of replicas, a node's tasks all reporting) would otherwise ask the connection
/// pool for more connections than it holds, and a call that waits for one longer than Npgsql's timeout fails. It also
/// leaves connections free for membership, whose writes must not queue behind a burst.
/// </summary>
public sealed class BoundedGrainStorage(IGrainStorage inner) : IGrainStorage
{
    /// <summary>Enough to keep PostgreSQL's backends busy on a small machine; below each silo's pool size.</summary>
    public const int Limit = 32;

    private readonly SemaphoreSlim _slots = new(Limit, Limit);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RunAsync(() => inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RunAsync(() => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RunAsync(() => inner.ClearStateAsync(stateName, grainId, grainState));

    private async Task RunAsync(Func<Task> operation)
    {
        await _slots.WaitAsync();
        try
        {
            await operation();
        }
        finally
        {
            _slots.Release();
        }
    }
}
