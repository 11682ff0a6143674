namespace Flotilla.Plugins;

/// <summary>
/// What the swarm wants of one node's overlay networking, computed by the cluster and handed whole to the driver
/// (which makes the kernel match it, as a kube-proxy sync does): which overlay networks the node takes part in, with
/// which peers, the names its DNS answers, and the services it balances.
/// </summary>
/// <param name="LocalAddress">This node's own address on the underlay, the VXLAN tunnels' source.</param>
public sealed record OverlayPlan(string LocalAddress, IReadOnlyList<OverlayNetworkPlan> Networks, IReadOnlyList<ServiceBalancing> Services)
{
    public static readonly OverlayPlan Empty = new("", [], []);
}

/// <param name="Gateway">The same on every node: each node's bridge answers it for its own containers only.</param>
/// <param name="NodeAddress">This node's own address on the network (what balanced connections leave it from), with the prefix length.</param>
/// <param name="Peers">The underlay addresses of the other nodes on the network.</param>
/// <param name="Names">Lower-case DNS names on the network (containers, aliases, services, tasks.SERVICE) → addresses.</param>
public sealed record OverlayNetworkPlan(
    string Id,
    string Name,
    string Subnet,
    string Gateway,
    int Vni,
    string NodeAddress,
    IReadOnlyList<string> Peers,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Names,
    IReadOnlyDictionary<string, string> Labels,
    DateTimeOffset CreatedAt);

/// <summary>One service's load balancing on this node: its virtual IP's ports, and its published (routing mesh) ports,
/// spread round-robin over <paramref name="Backends"/>, the addresses of its running tasks on network <paramref name="NetworkId"/>.</summary>
public sealed record ServiceBalancing(string Name, string Vip, string NetworkId, IReadOnlyList<BalancedPort> Ports, IReadOnlyList<string> Backends);

/// <param name="PublishedPort">The port every node answers (routing mesh); 0: reached only through the virtual IP.</param>
public sealed record BalancedPort(string Protocol, int TargetPort, int PublishedPort);
