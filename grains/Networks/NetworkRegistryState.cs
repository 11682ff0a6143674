namespace Flotilla.Grains.Networks;

/// <summary>The swarm's overlay networks with every address handed out on them, and the services' virtual IPs.</summary>
[GenerateSerializer]
public sealed class NetworkRegistryState
{
    [Id(0)] public List<OverlayNetworkRecord> Networks { get; set; } = [];
    [Id(1)] public List<NetworkEndpointRecord> Endpoints { get; set; } = [];
    [Id(2)] public List<ServiceVipRecord> Services { get; set; } = [];
    /// <summary>Node name → its underlay address (the VXLAN tunnels' end), as it last reported it.</summary>
    [Id(3)] public Dictionary<string, string> Underlay { get; set; } = new();
    /// <summary>Bumped by every change a node's plan could depend on.</summary>
    [Id(4)] public long Version { get; set; }
    [Id(5)] public string? LastVip { get; set; }
}

[GenerateSerializer]
public sealed class OverlayNetworkRecord
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public string Subnet { get; set; } = "";
    [Id(3)] public string Gateway { get; set; } = "";
    [Id(4)] public int Vni { get; set; }
    [Id(5)] public bool Attachable { get; set; }
    [Id(6)] public Dictionary<string, string> Labels { get; set; } = new();
    [Id(7)] public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Node name → the node's own address on this network (where balanced connections leave from).</summary>
    [Id(8)] public Dictionary<string, string> NodeAddresses { get; set; } = new();
    [Id(9)] public string? LastAllocated { get; set; }
}

/// <summary>One container's address on one overlay network.</summary>
[GenerateSerializer]
public sealed class NetworkEndpointRecord
{
    /// <summary>The task's id, or a standalone container's.</summary>
    [Id(0)] public string Owner { get; set; } = "";
    [Id(1)] public string NetworkId { get; set; } = "";
    [Id(2)] public string Node { get; set; } = "";
    [Id(3)] public string ContainerName { get; set; } = "";
    [Id(4)] public string[] Aliases { get; set; } = [];
    [Id(5)] public string? ServiceId { get; set; }
    [Id(6)] public string Address { get; set; } = "";
    /// <summary>Its container is running: it takes balanced connections and is in <c>tasks.SERVICE</c>.</summary>
    [Id(7)] public bool Active { get; set; }
}

/// <summary>A service's place on the overlay networks: its virtual IP and its ports.</summary>
[GenerateSerializer]
public sealed class ServiceVipRecord
{
    [Id(0)] public string ServiceId { get; set; } = "";
    [Id(1)] public string ServiceName { get; set; } = "";
    /// <summary>In the service's order: the first is where its virtual IP and published ports send connections.</summary>
    [Id(2)] public string[] NetworkIds { get; set; } = [];
    [Id(3)] public string Vip { get; set; } = "";
    [Id(4)] public Services.PortConfig[] Ports { get; set; } = [];
}
