using Flotilla.Grains.Containers;
using Flotilla.Grains.Placement;
using Flotilla.Plugins;
using Microsoft.Extensions.Logging;

namespace Flotilla.Grains.Local;

/// <summary>
/// Waits on the runtime for each running container of this node and tells its grain when it exits. It lives outside
/// the grain so that a deactivated grain still hears of the exit (the call re-activates it).
/// </summary>
public sealed class ExitWatcher(IGrainFactory grains, NodeContext node, ILogger<ExitWatcher> logger)
{
    private readonly HashSet<string> _watched = [];

    public void Watch(string id, IContainerRuntime runtime)
    {
        lock (_watched)
        {
            if (!_watched.Add(id))
            {
                return;
            }
        }

        _ = Task.Run(() => WatchAsync(id, runtime));
    }

    private async Task WatchAsync(string id, IContainerRuntime runtime)
    {
        try
        {
            var exit = await runtime.WaitAsync(id, CancellationToken.None);
            lock (_watched)
            {
                _watched.Remove(id);
            }

            await grains.GetGrain<IContainerGrain>(NodeScopedKey.Format(node.NodeName, id)).OnExitedAsync(ExitReport.From(exit));
        }
        catch (Exception e)
        {
            lock (_watched)
            {
                _watched.Remove(id);
            }

            logger.LogError(e, "Lost track of container {ContainerId}'s exit", id);
        }
    }
}
