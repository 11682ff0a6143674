using Flotilla.Grains.Containers;
using Flotilla.Grains.Local;
using Flotilla.Grains.Nodes;
using Flotilla.Grains.Placement;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Flotilla.Host.Node;

/// <summary>
/// Once the silo is active: re-adopts the containers this node had (they kept running while the daemon was down;
/// their grains catch up with what the runtime saw) and removes what a runtime holds that no grain knows.
/// </summary>
public sealed class NodeStartup(IGrainFactory grains, NodeContext node, PluginCatalog plugins, ILogger<NodeStartup> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(NodeStartup), ServiceLifecycleStage.Active, ReadoptAsync, _ => Task.CompletedTask);

    private async Task ReadoptAsync(CancellationToken ct)
    {
        var known = await grains.GetGrain<INodeGrain>(node.NodeName).ListContainersAsync();
        foreach (var entry in known)
        {
            try
            {
                await grains.GetGrain<IContainerGrain>(NodeScopedKey.Format(node.NodeName, entry.Id)).ReconcileAsync();
            }
            catch (Exception e)
            {
                logger.LogError(e, "Could not re-adopt container {ContainerId}", entry.Id);
            }
        }

        var ids = known.Select(e => e.Id).ToHashSet();
        foreach (var runtime in plugins.AvailableRuntimes)
        {
            foreach (var orphan in (await runtime.ListAsync(ct)).Where(id => !ids.Contains(id)))
            {
                logger.LogWarning("Runtime {Runtime} holds container {ContainerId} that no record knows (a create interrupted by a crash); removing it", runtime.Name, orphan);
                try
                {
                    await runtime.KillAsync(orphan, 9, ct);
                }
                catch (Exception)
                {
                    // Most orphans never ran; deleting is what matters.
                }

                try
                {
                    await runtime.DeleteAsync(orphan, ct);
                    SafeDirectory.Delete(node.ContainerDirectory(orphan));
                }
                catch (Exception e)
                {
                    logger.LogError(e, "Could not remove orphan container {ContainerId}", orphan);
                }
            }
        }

        logger.LogInformation("Node {Node} is ready with {Count} containers", node.NodeName, known.Count);
    }
}
