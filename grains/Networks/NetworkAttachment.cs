namespace Flotilla.Grains.Networks;

/// <summary>An address the swarm gave a container on an overlay network.</summary>
/// <param name="Address">With the prefix length ("10.0.1.5/24").</param>
[GenerateSerializer, Immutable]
public sealed record NetworkAttachment(
    [property: Id(0)] string NetworkId,
    [property: Id(1)] string NetworkName,
    [property: Id(2)] string Address,
    [property: Id(3)] string[] Aliases);

/// <summary>Where a service is reached: its virtual IPs, and its ports with the published ports the swarm chose.</summary>
[GenerateSerializer, Immutable]
public sealed record ServiceEndpoint([property: Id(0)] VirtualIp[] VirtualIps, [property: Id(1)] Services.PortConfig[] Ports)
{
    public static readonly ServiceEndpoint None = new([], []);
}

/// <summary>A service's virtual IP (docker's Endpoint.VirtualIPs entry).</summary>
[GenerateSerializer, Immutable]
public sealed record VirtualIp([property: Id(0)] string NetworkId, [property: Id(1)] string Address);
