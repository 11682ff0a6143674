using Flotilla.Grains.Containers;
using Flotilla.Grains.Local;
using Flotilla.Grains.Nodes;
using Flotilla.Grains.Placement;
using Flotilla.Grains.Swarm;
using Flotilla.Grains.Tasks;
using Orleans.Runtime;

namespace Flotilla.Host.Swarm;

/// <summary>
/// When a swarm node's silo is up: the first manager creates the swarm; every node registers its description; and
/// task containers that the swarm moved away while this node was down are stopped here, so that a node that comes
/// back never adds replicas beyond what its services ask for.
/// </summary>
public sealed class SwarmStartup(
    SwarmContext swarm, DaemonOptions options, PluginCatalog plugins, NodeContext node, TaskAgent agent, OverlaySync overlays, ILogger<SwarmStartup> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stop = new();

    public void Participate(ISiloLifecycle lifecycle) =>
        // After NodeStartup (Active) has re-adopted this node's containers.
        lifecycle.Subscribe(nameof(SwarmStartup), ServiceLifecycleStage.Active + 1, StartAsync, _ => _stop.CancelAsync());

    private async Task StartAsync(CancellationToken ct)
    {
        if (swarm.Config is not { } config)
        {
            return;
        }

        var description = swarm.Describe(plugins.AvailableRuntimes.Select(r => r.Name));
        try
        {
            if (config.PendingInit)
            {
                var certificates = swarm.Certificates!;
                var info = await swarm.Grains.GetGrain<ISwarmGrain>("swarm").InitAsync(config.ClusterId, certificates.CaDigest, description);
                // The swarm has now given this node its id: its certificate names it from here on.
                var self = await swarm.Grains.GetGrain<INodeRegistryGrain>("nodes").GetAsync(node.NodeName);
                var (key, csr) = ClusterCa.NewRequest();
                certificates.Replace(certificates.Sign(csr, self.Record.Id, NodeRole.Manager, config.ClusterId, info.NodeCertExpiry), key);
                (config with { PendingInit = false }).Save(options.DataRoot);
                logger.LogInformation("Swarm {ClusterId} initialised; node {Node} is its first manager", config.ClusterId, node.NodeName);
            }
            else
            {
                await swarm.Grains.GetGrain<INodeRegistryGrain>("nodes").RegisterAsync(description);
            }

            await swarm.Grains.GetGrain<Flotilla.Grains.Scheduling.ISchedulerGrain>("scheduler").NodeChangedAsync(node.NodeName);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Node {Node} could not take its place in swarm {ClusterId}: {Message}", node.NodeName, config.ClusterId, e.Message);
        }

        await StopUnwantedTasksAsync();
        _ = overlays.RunAsync(config.AdvertiseAddress, _stop.Token);
    }

    private async Task StopUnwantedTasksAsync()
    {
        foreach (var entry in await swarm.Grains.GetGrain<INodeGrain>(node.NodeName).ListContainersAsync())
        {
            var record = await swarm.Grains.GetGrain<IContainerGrain>(NodeScopedKey.Format(node.NodeName, entry.Id)).GetAsync();
            if (record?.Labels.GetValueOrDefault(TaskAgent.TaskLabel) is not { } taskId)
            {
                continue;
            }

            var task = await swarm.Grains.GetGrain<ITaskGrain>(taskId).GetAsync();
            if (task is null || task.State.IsFinal() || task.DesiredState != TaskState.Running || task.Node != node.NodeName)
            {
                logger.LogInformation("Task {TaskId} was moved away while this node was down; stopping its container {ContainerId}", taskId, entry.Id);
                await agent.StopContainerAsync(entry.Id, TimeSpan.FromSeconds(1));
            }
        }
    }
}
