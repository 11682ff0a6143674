using System.Collections.Concurrent;

namespace Flotilla.Runtime.Linux;

/// <summary>One inotify watch on the directory where monitors note exits; waiters hear when a file named after their container appears.</summary>
public sealed class ExitWatch : IDisposable
{
    private readonly FileSystemWatcher _watcher;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new();

    public ExitWatch(string directory)
    {
        _watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false, EnableRaisingEvents = true };
        _watcher.Created += (_, e) => Signal(e.Name);
        _watcher.Changed += (_, e) => Signal(e.Name);
        _watcher.Renamed += (_, e) => Signal(e.Name);
    }

    /// <summary>Completes at the next change for <paramref name="id"/>; register before checking the file, then wait.</summary>
    public Task NextChangeAsync(string id, CancellationToken ct) =>
        _waiters.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(ct);

    public void Dispose() => _watcher.Dispose();

    private void Signal(string? name)
    {
        if (name is not null && _waiters.TryRemove(name, out var waiter))
        {
            waiter.TrySetResult();
        }
    }
}
