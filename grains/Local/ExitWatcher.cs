using Flotilla.Grains.Containers;
using Flotilla.Grains.Placement;
using Flotilla.Plugins;
using Microsoft.Extensions.Logging;

namespace Flotilla.Grains.Local;

/// <summary>
/// Waits on the runtime for each running container of this node and tells its grain when it exits. It lives outside
/// the grain so that a deactivated grain still hears of the exit (the call re-activates it).
/// </summary>
public sealed class ExitWatcher(IGrainFactory grains, ILogger<ExitWatcher> logger)
{
    private readonly HashSet<string> _watched = [];

    /// <param name="key">The container grain's key (node/id).</param>
    public void Watch(string key, IContainerRuntime runtime)
    {
        lock (_watched)
        {
            if (!_watched.Add(key))
            {
                return;
            }
        }

        _ = Task.Run(() => WatchAsync(key, runtime));
    }

    private async Task WatchAsync(string key, IContainerRuntime runtime)
    {
        var id = NodeScopedKey.LocalIdOf(key);
        try
        {
            var exit = await runtime.WaitAsync(id, CancellationToken.None);
            lock (_watched)
            {
                _watched.Remove(key);
            }

            await grains.GetGrain<IContainerGrain>(key).OnExitedAsync(ExitReport.From(exit));
        }
        catch (Exception e)
        {
            lock (_watched)
            {
                _watched.Remove(key);
            }

            logger.LogError(e, "Lost track of container {ContainerId}'s exit", id);
        }
    }
}
