using Flotilla.Grains.Networks;
using Microsoft.Extensions.Logging;

namespace Flotilla.Grains.Local;

/// <summary>
/// Keeps this node's overlay networking what the swarm wants: asks the network registry for the node's plan and
/// hands a changed one to the network driver (as kube-proxy syncs from the API server). It polls twice a second,
/// so rules follow task churn within a second; whoever needs a network at once (a container about to join it)
/// syncs on demand.
/// </summary>
public sealed class OverlaySync(IGrainFactory grains, PluginCatalog plugins, NodeContext node, ILogger<OverlaySync> logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _version = -1;
    private string? _underlay;

    /// <summary>Whether this node is in a swarm (and so can reach overlay networks).</summary>
    public bool Active => _underlay is not null;

    /// <summary>Syncs until <paramref name="stop"/>; <paramref name="underlay"/> is this node's swarm address.</summary>
    public async Task RunAsync(string underlay, CancellationToken stop)
    {
        _underlay = underlay;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await SyncAsync();
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                logger.LogWarning("Overlay networks not synced: {Message}", e.Message);
            }

            try
            {
                await Task.Delay(Interval, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    public async Task SyncAsync()
    {
        if (_underlay is null || !plugins.HasNetworkDriver)
        {
            return;
        }

        await _gate.WaitAsync();
        try
        {
            var (version, plan) = await grains.GetGrain<INetworkRegistryGrain>("networks").PlanAsync(node.NodeName, _underlay, _version);
            if (plan is not null)
            {
                await plugins.NetworkDriver.ApplyOverlayPlanAsync(plan, CancellationToken.None);
                _version = version;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A standalone container's addresses when <paramref name="network"/> is one of the swarm's attachable overlay
    /// networks (with the node's plan brought up to date to include it); null when it is not an overlay network.
    /// </summary>
    public async Task<NetworkAttachment[]?> AttachStandaloneAsync(string containerId, string containerName, string[] aliases, string network)
    {
        if (!Active || network is "bridge" or "none" or "host"
            || (await plugins.NetworkDriver.ListNetworksAsync(CancellationToken.None)).Any(n => n.Driver == "bridge" && (n.Name == network || n.Id == network)))
        {
            return null;
        }

        var registry = grains.GetGrain<INetworkRegistryGrain>("networks");
        if (await registry.FindAsync(network) is null)
        {
            return null;
        }

        var attachments = await registry.AllocateAsync(containerId, node.NodeName, containerName, aliases, null, [network]);
        await SyncAsync();
        return attachments;
    }

    /// <param name="networkId">The one network it left; null: all of them (it is removed).</param>
    public Task ReleaseStandaloneAsync(string containerId, string? networkId) =>
        Active ? grains.GetGrain<INetworkRegistryGrain>("networks").ReleaseAsync(containerId, networkId) : Task.CompletedTask;
}
