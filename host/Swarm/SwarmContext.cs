using Flotilla.Grains;
using Flotilla.Grains.Swarm;

namespace Flotilla.Host.Swarm;

/// <summary>This node's place in a swarm, for the API: whether it is in one, and whether it may manage it.</summary>
public sealed class SwarmContext(SwarmConfig? config, IGrainFactory grains, Flotilla.Grains.Local.NodeContext node, int swarmPort, SwarmCertificates? certificates = null)
{
    public SwarmConfig? Config => config;

    /// <summary>This node's TLS identity in the swarm; null when it is in none.</summary>
    public SwarmCertificates? Certificates => certificates;

    public bool Active => config is not null;

    public IGrainFactory Grains => grains;

    public string NodeName => node.NodeName;

    /// <summary>Managers only, as docker: workers run tasks but can't see or change the swarm.</summary>
    public async Task EnsureManagerAsync()
    {
        if (config is null)
        {
            throw FlotillaException.Unavailable("This node is not a swarm manager. Use \"flotilla swarm init\" or \"flotilla swarm join\" to connect this node to swarm and try again.");
        }

        var self = await grains.GetGrain<INodeRegistryGrain>("nodes").GetAsync(node.NodeName);
        if (self.Record.Role != NodeRole.Manager)
        {
            throw FlotillaException.Unavailable("This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.");
        }
    }

    /// <summary>What this node tells the swarm of itself; <paramref name="runtimes"/> are those it can use here.</summary>
    public NodeDescription Describe(IEnumerable<string> runtimes, string? address = null) => new(
        node.NodeName,
        address ?? config?.AdvertiseAddress ?? "",
        Environment.ProcessorCount,
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        [.. runtimes],
        EngineVersion: typeof(SwarmContext).Assembly.GetName().Version?.ToString(3) ?? "",
        SwarmPort: swarmPort);
}
