using System.Globalization;
using Orleans.Storage;

namespace Flotilla.Host.Persistence;

/// <summary>
/// Orleans grain storage that gathers the reads, writes and clears of many grains into batches, each one transaction
/// of its <see cref="IStateStore"/>, as swarmkit's store batches its updates. When one batch runs, what arrives
/// meanwhile forms the next, so one grain alone waits no longer than before, and a burst (a service of thousands of
/// replicas placed, a node's tasks all reporting) costs a few commits rather than one each. At most
/// <see cref="IStateStore.Parallelism"/> batches run at once, so a burst no longer asks a connection pool for more
/// connections than it holds. Rows and versions follow the contract of Orleans' ADO.NET provider.
/// </summary>
public sealed class BatchingGrainStorage(IStateStore store, GrainStateFormat format, string serviceId) : IGrainStorage
{
    /// <summary>Large enough for a burst, small enough that one transaction stays short.</summary>
    public const int MaxBatch = 256;

    private readonly Lock _lock = new();
    private readonly Queue<StorageOperation> _pending = new();
    private int _running;

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var row = await Submit(new StorageOperation(StorageOperationKind.Read, StateKey.For(serviceId, stateName, grainId)));
        grainState.State = row?.Payload is { } payload ? format.Deserialize<T>(payload) : Activator.CreateInstance<T>();
        grainState.ETag = row?.Version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = row?.Payload is not null;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var expected = Version(grainState.ETag);
        var row = await Submit(new StorageOperation(StorageOperationKind.Write, StateKey.For(serviceId, stateName, grainId), expected,
            format.Serialize(grainState.State)));
        grainState.ETag = Written(row, "WriteState", stateName, grainId, grainState.ETag);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (!grainState.RecordExists && string.IsNullOrEmpty(grainState.ETag))
        {
            await ReadStateAsync(stateName, grainId, grainState);
            if (!grainState.RecordExists)
            {
                return;
            }
        }

        var row = await Submit(new StorageOperation(StorageOperationKind.Clear, StateKey.For(serviceId, stateName, grainId), Version(grainState.ETag)));
        grainState.ETag = Written(row, "ClearState", stateName, grainId, grainState.ETag);
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
    }

    private static int? Version(string? etag) =>
        string.IsNullOrEmpty(etag) ? null : int.Parse(etag, CultureInfo.InvariantCulture);

    /// <summary>The new version, or the error Orleans raises when another activation wrote first.</summary>
    private static string Written(StoredRow? row, string operation, string stateName, GrainId grainId, string? etag) =>
        row is { } written
            ? written.Version.ToString(CultureInfo.InvariantCulture)
            : throw new InconsistentStateException($"Version conflict ({operation}): State={stateName} GrainId={grainId} ETag={etag}.");

    private Task<StoredRow?> Submit(StorageOperation operation)
    {
        bool start;
        lock (_lock)
        {
            _pending.Enqueue(operation);
            start = _running < store.Parallelism;
            if (start)
            {
                _running++;
            }
        }

        if (start)
        {
            // Off the grain's scheduler: a batch serves many grains.
            _ = Task.Run(DrainAsync);
        }

        return operation.Result;
    }

    private async Task DrainAsync()
    {
        var batch = new List<StorageOperation>();
        while (true)
        {
            lock (_lock)
            {
                while (batch.Count < MaxBatch && _pending.TryDequeue(out var next))
                {
                    batch.Add(next);
                }

                if (batch.Count == 0)
                {
                    _running--;
                    return;
                }
            }

            await RunAsync(batch);
            batch.Clear();
        }
    }

    private async Task RunAsync(List<StorageOperation> batch)
    {
        try
        {
            var rows = await store.RunAsync(batch);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Complete(rows[i]);
            }
        }
        catch (Exception e) when (batch.Count > 1 && store.IsStatementError(e))
        {
            // One operation's failure (a deadlock between duplicate activations, say) must not fail the others.
            foreach (var operation in batch)
            {
                await RunAsync([operation]);
            }
        }
        catch (Exception e)
        {
            foreach (var operation in batch)
            {
                operation.Fail(e);
            }
        }
    }
}
