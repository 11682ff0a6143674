namespace Flotilla.Plugins;

/// <summary>
/// Connects containers to networks on this node: it owns the networks' kernel state (bridges, veths, nftables
/// rules) and their addresses. The daemon decides which container joins which network; the driver programs the
/// kernel, keeps what it made in its own state and rebuilds it after a daemon restart.
/// </summary>
public interface INetworkDriver
{
    /// <summary>The driver users select with <c>network create --driver</c> ("bridge").</summary>
    string Name { get; }

    /// <summary>Creates a network with its own subnet; refuses a name taken or a subnet that overlaps another.</summary>
    Task<NetworkInfo> CreateNetworkAsync(NetworkRequest request, CancellationToken ct);

    Task<IReadOnlyList<NetworkInfo>> ListNetworksAsync(CancellationToken ct);

    /// <summary>Removes a network; refuses one a container is still connected to.</summary>
    Task RemoveNetworkAsync(string network, CancellationToken ct);

    /// <summary>Makes the container's (empty) network namespace and returns the path a runtime joins.</summary>
    Task<string> CreateNamespaceAsync(string containerId, CancellationToken ct);

    /// <summary>Gives the container an interface and an address on <paramref name="network"/> (name or id); on a network
    /// with DNS, its name, short id and <paramref name="aliases"/> resolve to that address.</summary>
    /// <param name="address">The address the cluster gave the container on an overlay network (which must be in
    /// the node's <see cref="OverlayPlan"/>); null on a local network, where the driver picks one.</param>
    Task<EndpointInfo> ConnectAsync(string network, string containerId, string containerName, IReadOnlyList<string> aliases, string? address, CancellationToken ct);

    Task DisconnectAsync(string network, string containerId, CancellationToken ct);

    /// <summary>Forwards host ports to the container's address on its first network; refuses a port in use.</summary>
    Task PublishAsync(string containerId, IReadOnlyList<PortMapping> ports, CancellationToken ct);

    /// <summary>The container's endpoints (one per network it is connected to).</summary>
    Task<IReadOnlyList<EndpointInfo>> EndpointsAsync(string containerId, CancellationToken ct);

    /// <summary>
    /// Makes this node's overlay networks (bridge, VXLAN tunnel to each peer, DNS names) and its service load
    /// balancing (virtual IPs, routing mesh) what <paramref name="plan"/> says; what it no longer names goes, once no
    /// container of this node uses it.
    /// </summary>
    Task ApplyOverlayPlanAsync(OverlayPlan plan, CancellationToken ct);

    /// <summary>Undoes everything made for the container: ports, endpoints, addresses and its namespace.</summary>
    Task RemoveNamespaceAsync(string containerId, CancellationToken ct);
}

/// <param name="Subnet">CIDR ("10.1.0.0/24"); null lets the driver pick a free one.</param>
/// <param name="Gateway">The bridge's address; null means the subnet's first address.</param>
public sealed record NetworkRequest(string Name, string? Subnet = null, string? Gateway = null, IReadOnlyDictionary<string, string>? Labels = null);

public sealed record NetworkInfo(
    string Id,
    string Name,
    string Driver,
    string Subnet,
    string Gateway,
    DateTimeOffset CreatedAt,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<EndpointInfo> Endpoints);

/// <param name="Address">The container's address with its prefix length ("10.1.0.2/24").</param>
/// <param name="Nameserver">The network's DNS server, which resolves the names of its containers; null: the host's resolvers.</param>
public sealed record EndpointInfo(string NetworkId, string NetworkName, string ContainerId, string ContainerName, string Interface, string Address, string Gateway, string MacAddress,
    string? Nameserver = null);

/// <param name="Protocol">"tcp" or "udp".</param>
public sealed record PortMapping(int HostPort, int ContainerPort, string Protocol = "tcp");
