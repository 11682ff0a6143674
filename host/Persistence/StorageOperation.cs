namespace Flotilla.Host.Persistence;

public enum StorageOperationKind
{
    Read,
    Write,
    Clear,
}

/// <summary>A row as a store answers it: a read's payload and version, or the version a write or clear left.</summary>
public readonly record struct StoredRow(byte[]? Payload, int Version);

/// <summary>
/// One read, write or clear of one grain's state, waiting for its batch. A write or clear only happens when the row's
/// version is still <see cref="ExpectedVersion"/> (null: no row yet); the store then answers the new version, and no
/// row when the check failed.
/// </summary>
public sealed class StorageOperation(StorageOperationKind kind, StateKey key, int? expectedVersion = null, byte[]? payload = null)
{
    private readonly TaskCompletionSource<StoredRow?> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StorageOperationKind Kind { get; } = kind;

    public StateKey Key { get; } = key;

    public int? ExpectedVersion { get; } = expectedVersion;

    public byte[]? Payload { get; } = payload;

    public Task<StoredRow?> Result => _result.Task;

    public void Complete(StoredRow? row) => _result.TrySetResult(row);

    public void Fail(Exception error) => _result.TrySetException(error);
}
