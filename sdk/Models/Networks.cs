namespace Flotilla.Client.Models;

// Docker Engine API shapes (v1.43) for networks.

public sealed class NetworkResource
{
    public string Name { get; set; } = "";
    public string Id { get; set; } = "";
    public string Created { get; set; } = "";
    public string Scope { get; set; } = "local";
    public string Driver { get; set; } = "";
    public bool EnableIPv6 { get; set; }
    public Ipam IPAM { get; set; } = new();
    public bool Internal { get; set; }
    public bool Attachable { get; set; }
    public Dictionary<string, NetworkContainer> Containers { get; set; } = [];
    public Dictionary<string, string> Options { get; set; } = [];
    public Dictionary<string, string> Labels { get; set; } = [];
}

public sealed class Ipam
{
    public string Driver { get; set; } = "default";
    public List<IpamConfig> Config { get; set; } = [];
}

public sealed class IpamConfig
{
    public string? Subnet { get; set; }
    public string? Gateway { get; set; }
}

public sealed class NetworkContainer
{
    public string Name { get; set; } = "";
    public string EndpointID { get; set; } = "";
    public string MacAddress { get; set; } = "";
    public string IPv4Address { get; set; } = "";
    public string IPv6Address { get; set; } = "";
}

public sealed class NetworkCreateRequest
{
    public string Name { get; set; } = "";
    public string? Driver { get; set; }
    public Ipam? IPAM { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    /// <summary>Overlay only: standalone containers may join it too.</summary>
    public bool Attachable { get; set; }
}

public sealed class NetworkCreateResponse
{
    public string Id { get; set; } = "";
    public string Warning { get; set; } = "";
}

public sealed class NetworkConnectRequest
{
    public string Container { get; set; } = "";
    public bool Force { get; set; }
    /// <summary>connect only: the endpoint's settings (its DNS aliases).</summary>
    public EndpointSettings? EndpointConfig { get; set; }
}

/// <summary>HostConfig.PortBindings' values: where on the host a container port is published.</summary>
public sealed class PortBinding
{
    public string HostIp { get; set; } = "";
    public string HostPort { get; set; } = "";
}

/// <summary>ContainerInspect.NetworkSettings.</summary>
public sealed class NetworkSettings
{
    public string IPAddress { get; set; } = "";
    public int IPPrefixLen { get; set; }
    public string Gateway { get; set; } = "";
    public string MacAddress { get; set; } = "";
    public Dictionary<string, List<PortBinding>?> Ports { get; set; } = [];
    public Dictionary<string, EndpointSettings> Networks { get; set; } = [];
}

public sealed class EndpointSettings
{
    public string NetworkID { get; set; } = "";
    public string IPAddress { get; set; } = "";
    public int IPPrefixLen { get; set; }
    public string Gateway { get; set; } = "";
    public string MacAddress { get; set; } = "";
    /// <summary>Names the container also answers to in DNS on that network (in a create request: --network-alias).</summary>
    public List<string>? Aliases { get; set; }
}
