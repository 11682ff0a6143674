namespace Flotilla.Host.Persistence;

/// <summary>A database that runs a batch of grain-state operations as one transaction.</summary>
public interface IStateStore
{
    /// <summary>How many batches may run at once.</summary>
    int Parallelism { get; }

    /// <summary>
    /// Runs <paramref name="batch"/> in one transaction and answers each operation's row, in order, once committed.
    /// </summary>
    Task<StoredRow?[]> RunAsync(IReadOnlyList<StorageOperation> batch);

    /// <summary>
    /// Whether <paramref name="error"/> came from one statement (a deadlock, a constraint), so that the operations of a
    /// failed batch are worth trying one by one; a lost connection is not.
    /// </summary>
    bool IsStatementError(Exception error);
}
