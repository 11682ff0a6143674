using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Flotilla.Grains.Services;
using Flotilla.Plugins;

namespace Flotilla.Grains.Networks;

/// <summary>
/// The swarm's overlay IPAM and service discovery over <see cref="NetworkRegistryState"/> (what swarmkit's
/// allocator does): subnets and VXLAN ids per network, an address per container and per node on each, a virtual IP
/// per service, and each node's <see cref="OverlayPlan"/>. Held by one grain, so no address is ever handed out twice.
/// </summary>
public sealed partial class OverlayNetworks(NetworkRegistryState state)
{
    public const string IngressNetwork = "ingress";

    /// <summary>Where services' virtual IPs come from; outside every overlay subnet, so that containers reach them
    /// through their node (which balances them) rather than on the link.</summary>
    public static readonly Ipv4Subnet VipRange = new(0x0AFF0000, 16); // 10.255.0.0/16

    private static readonly Ipv4Subnet Pool = new(0x0A000000, 8); // 10.0.0.0/8, in /24s as docker's default pool

    [GeneratedRegex("^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")]
    private static partial Regex DnsLabel();

    public OverlayNetworkRecord Create(OverlayNetworkSpec spec)
    {
        if (!DnsLabel().IsMatch(spec.Name) || spec.Name is "none" or "host" or "bridge")
        {
            throw FlotillaException.Invalid($"invalid network name '{spec.Name}': use a DNS label (letters, digits and '-', at most 63, not starting or ending with '-'); 'none', 'host' and 'bridge' are reserved");
        }

        if (Find(spec.Name) is not null)
        {
            throw FlotillaException.Conflict($"network with name {spec.Name} already exists");
        }

        var subnet = spec.Subnet is null ? FreeSubnet(spec.Name == IngressNetwork) : CheckedSubnet(spec.Subnet);
        var gateway = subnet.Network + 1;
        if (spec.Gateway is not null
            && (!Ipv4Subnet.TryAddress(spec.Gateway, out gateway) || !subnet.Contains(gateway) || gateway == subnet.Network || gateway == subnet.Broadcast))
        {
            throw FlotillaException.Invalid($"invalid gateway '{spec.Gateway}': give an IPv4 address inside {subnet} that is neither its first nor its last");
        }

        var record = new OverlayNetworkRecord
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)),
            Name = spec.Name,
            Subnet = subnet.ToString(),
            Gateway = Ipv4Subnet.Format(gateway),
            // docker's overlay VNIs start at 4096; each network keeps its own for life.
            Vni = Enumerable.Range(4096, 1 << 20).First(v => state.Networks.All(n => n.Vni != v)),
            Attachable = spec.Attachable,
            Labels = spec.Labels ?? new(),
            CreatedAt = DateTimeOffset.UtcNow,
        };
        state.Networks.Add(record);
        Changed();
        return record;
    }

    public void Remove(string nameOrId)
    {
        var network = Get(nameOrId);
        var users = state.Services.Where(s => s.NetworkIds.Contains(network.Id)).Select(s => $"service {s.ServiceName}")
            .Concat(state.Endpoints.Where(e => e.NetworkId == network.Id && e.ServiceId is null).Select(e => $"container {e.ContainerName}"))
            .Distinct().ToList();
        if (users.Count > 0)
        {
            throw FlotillaException.Conflict($"network {network.Name} is in use by {string.Join(", ", users)}: remove those first");
        }

        state.Networks.Remove(network);
        state.Endpoints.RemoveAll(e => e.NetworkId == network.Id);
        Changed();
    }

    public OverlayNetworkRecord? Find(string nameOrId) =>
        state.Networks.Find(n => n.Name == nameOrId || n.Id == nameOrId)
        ?? (nameOrId.Length >= 6 ? state.Networks.SingleOrDefault(n => n.Id.StartsWith(nameOrId, StringComparison.Ordinal)) : null);

    public OverlayNetworkRecord Get(string nameOrId) => Find(nameOrId) ?? throw FlotillaException.NotFound($"network {nameOrId} not found");

    /// <summary>docker's range for published ports it picks itself.</summary>
    public const int FirstDynamicPort = 30000, LastDynamicPort = 32767;

    /// <summary>
    /// Puts a service on its networks (the ingress network when it publishes in ingress mode and names none) with
    /// a virtual IP; again after each update. Published ports must be free across the swarm; an ingress port
    /// published as 0 gets a free one of 30000-32767 (kept across updates), as docker's.
    /// </summary>
    public ServiceEndpoint AttachService(string serviceId, string serviceName, string[] networks, PortConfig[] ports)
    {
        var record = state.Services.Find(s => s.ServiceId == serviceId);
        ports = [.. ports.Select(p => p.PublishedPort != 0 || p.Mode != PortConfig.Ingress ? p : p with
        {
            PublishedPort = record?.Ports.FirstOrDefault(r => r.TargetPort == p.TargetPort && r.Protocol == p.Protocol && r.Mode == p.Mode)?.PublishedPort
                            ?? FreeDynamicPort(serviceId, p.Protocol),
        })];
        foreach (var port in ports)
        {
            if (port.TargetPort is < 1 or > 65535 || port.PublishedPort is < 1 or > 65535 || port.Protocol is not ("tcp" or "udp") || port.Mode is not (PortConfig.Ingress or PortConfig.Host))
            {
                throw FlotillaException.Invalid($"invalid published port {port.PublishedPort}:{port.TargetPort}/{port.Protocol} (mode {port.Mode}): ports are 1-65535, the protocol tcp or udp, the mode ingress or host");
            }

            if (port.Mode == PortConfig.Ingress
                && state.Services.FirstOrDefault(s => s.ServiceId != serviceId && s.Ports.Any(p => p.Mode == PortConfig.Ingress && p.PublishedPort == port.PublishedPort && p.Protocol == port.Protocol)) is { } holder)
            {
                throw FlotillaException.Conflict($"port '{port.PublishedPort}' is already in use by service '{holder.ServiceName}' as an ingress port: publish another port");
            }
        }

        var ids = networks.Select(n => Get(n).Id).Distinct().ToList();
        if (ids.Count == 0 && ports.Any(p => p.Mode == PortConfig.Ingress))
        {
            ids.Add((Find(IngressNetwork) ?? Create(new OverlayNetworkSpec(IngressNetwork))).Id);
        }

        if (ids.Count == 0)
        {
            DetachService(serviceId);
            return new ServiceEndpoint([], ports);
        }

        if (record is null)
        {
            record = new ServiceVipRecord { ServiceId = serviceId, Vip = NextVip() };
            state.Services.Add(record);
        }

        record.ServiceName = serviceName;
        record.NetworkIds = [.. ids];
        record.Ports = ports;
        Changed();
        return new ServiceEndpoint([.. ids.Select(id => new VirtualIp(id, $"{record.Vip}/32"))], ports);
    }

    private int FreeDynamicPort(string serviceId, string protocol)
    {
        var taken = state.Services.Where(s => s.ServiceId != serviceId).SelectMany(s => s.Ports).Where(p => p.Protocol == protocol).Select(p => p.PublishedPort).ToHashSet();
        return Enumerable.Range(FirstDynamicPort, LastDynamicPort - FirstDynamicPort + 1).FirstOrDefault(p => !taken.Contains(p)) is var port and > 0
            ? port
            : throw FlotillaException.Conflict($"no published port is free in {FirstDynamicPort}-{LastDynamicPort}: publish one explicitly");
    }

    public void DetachService(string serviceId)
    {
        if (state.Services.RemoveAll(s => s.ServiceId == serviceId) > 0)
        {
            Changed();
        }
    }

    /// <summary>
    /// Addresses for one container on <paramref name="networks"/> (names or ids): a task's are its service's
    /// networks, a standalone container may join only attachable ones. The same owner gets the same addresses again.
    /// </summary>
    public NetworkAttachment[] Allocate(string owner, string node, string containerName, string[] aliases, string? serviceId, string[] networks)
    {
        var targets = serviceId is not null
            ? state.Services.Find(s => s.ServiceId == serviceId)?.NetworkIds.Select(Get).ToList() ?? []
            : networks.Select(Get).ToList();
        if (serviceId is null && targets.FirstOrDefault(n => !n.Attachable) is { } closed)
        {
            throw FlotillaException.Invalid($"network {closed.Name} is not attachable: only services' tasks can join it (create it with --attachable)");
        }

        var attachments = new List<NetworkAttachment>();
        foreach (var network in targets)
        {
            var endpoint = state.Endpoints.Find(e => e.Owner == owner && e.NetworkId == network.Id);
            if (endpoint is null)
            {
                endpoint = new NetworkEndpointRecord
                {
                    Owner = owner, NetworkId = network.Id, Node = node, ContainerName = containerName, Aliases = aliases,
                    ServiceId = serviceId, Address = NextAddress(network),
                };
                state.Endpoints.Add(endpoint);
            }

            attachments.Add(new NetworkAttachment(network.Id, network.Name, $"{endpoint.Address}/{Ipv4Subnet.Parse(network.Subnet, "subnet").PrefixLength}", endpoint.Aliases));
        }

        Changed();
        return [.. attachments];
    }

    /// <summary>The owner's container runs (or stopped running): it takes balanced connections, or no longer.</summary>
    public bool SetActive(string owner, bool active)
    {
        var changed = false;
        foreach (var endpoint in state.Endpoints.Where(e => e.Owner == owner && e.Active != active))
        {
            endpoint.Active = active;
            changed = true;
        }

        if (changed)
        {
            Changed();
        }

        return changed;
    }

    public bool Release(string owner, string? networkId = null)
    {
        if (state.Endpoints.RemoveAll(e => e.Owner == owner && (networkId is null || e.NetworkId == networkId)) == 0)
        {
            return false;
        }

        Changed();
        return true;
    }

    /// <summary>Records where a node's tunnels end; whether that changed anything.</summary>
    public bool Report(string node, string underlay)
    {
        if (state.Underlay.TryGetValue(node, out var known) && known == underlay)
        {
            return false;
        }

        state.Underlay[node] = underlay;
        Changed();
        return true;
    }

    /// <summary>
    /// One node's share: the networks it has a container on, and every network with a published ingress port (so
    /// that each node answers it); the other nodes on each; the names; every service's balancing.
    /// </summary>
    public OverlayPlan PlanFor(string node)
    {
        var networks = new List<OverlayNetworkPlan>();
        foreach (var network in state.Networks.Where(n => Spans(n, node)))
        {
            if (!network.NodeAddresses.TryGetValue(node, out var own))
            {
                own = NextAddress(network);
                network.NodeAddresses[node] = own;
                Changed();
            }

            var prefix = Ipv4Subnet.Parse(network.Subnet, "subnet").PrefixLength;
            var peers = state.Underlay.Where(u => u.Key != node && Spans(network, u.Key)).Select(u => u.Value).Order(StringComparer.Ordinal).ToList();
            networks.Add(new OverlayNetworkPlan(network.Id, network.Name, network.Subnet, network.Gateway, network.Vni, $"{own}/{prefix}", peers,
                Names(network), network.Labels, network.CreatedAt));
        }

        var services = state.Services
            .Select(s => new ServiceBalancing(s.ServiceName, s.Vip, s.NetworkIds[0],
                [.. s.Ports.Where(p => p.Mode == PortConfig.Ingress).Select(p => new BalancedPort(p.Protocol, p.TargetPort, p.PublishedPort))],
                [.. Backends(s, s.NetworkIds[0])]))
            .ToList();
        return new OverlayPlan(state.Underlay.GetValueOrDefault(node, ""), networks, services);
    }

    private bool Spans(OverlayNetworkRecord network, string node) =>
        state.Endpoints.Any(e => e.NetworkId == network.Id && e.Node == node)
        || state.Services.Any(s => s.NetworkIds[0] == network.Id && s.Ports.Any(p => p.Mode == PortConfig.Ingress));

    private IEnumerable<string> Backends(ServiceVipRecord service, string networkId) =>
        state.Endpoints.Where(e => e.ServiceId == service.ServiceId && e.NetworkId == networkId && e.Active).Select(e => e.Address).Order(StringComparer.Ordinal);

    /// <summary>Containers by name and alias, services by name (their virtual IP), and tasks.SERVICE (their running tasks).</summary>
    private Dictionary<string, IReadOnlyList<string>> Names(OverlayNetworkRecord network)
    {
        var names = state.Endpoints.Where(e => e.NetworkId == network.Id)
            .SelectMany(e => e.Aliases.Append(e.ContainerName).Select(n => (Name: n.ToLowerInvariant(), e.Address)))
            .ToList();
        foreach (var service in state.Services.Where(s => s.NetworkIds.Contains(network.Id)))
        {
            names.Add((service.ServiceName.ToLowerInvariant(), service.Vip));
            names.AddRange(Backends(service, network.Id).Select(a => ("tasks." + service.ServiceName.ToLowerInvariant(), a)));
        }

        return names.GroupBy(n => n.Name).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(n => n.Address).Distinct()]);
    }

    private string NextAddress(OverlayNetworkRecord network)
    {
        var taken = state.Endpoints.Where(e => e.NetworkId == network.Id).Select(e => e.Address)
            .Concat(network.NodeAddresses.Values).Append(network.Gateway).ToHashSet();
        var address = Ipv4Subnet.Parse(network.Subnet, "subnet").NextFree(taken, network.LastAllocated)
                      ?? throw FlotillaException.Conflict($"network {network.Name} has no free address left in {network.Subnet}");
        network.LastAllocated = address;
        return address;
    }

    private string NextVip()
    {
        var vip = VipRange.NextFree(state.Services.Select(s => s.Vip).ToHashSet(), state.LastVip)
                  ?? throw FlotillaException.Conflict($"no virtual IP is left in {VipRange}: remove services first");
        state.LastVip = vip;
        return vip;
    }

    private Ipv4Subnet CheckedSubnet(string text)
    {
        Ipv4Subnet subnet;
        try
        {
            subnet = Ipv4Subnet.Parse(text, "subnet");
        }
        catch (PluginException e)
        {
            throw FlotillaException.Invalid(e.Message);
        }

        if (subnet.Overlaps(VipRange))
        {
            throw FlotillaException.Conflict($"subnet {subnet} overlaps {VipRange}, where the swarm takes services' virtual IPs from: choose another --subnet");
        }

        return state.Networks.Find(n => Ipv4Subnet.Parse(n.Subnet, "subnet").Overlaps(subnet)) is { } other
            ? throw FlotillaException.Conflict($"subnet {subnet} overlaps network {other.Name} ({other.Subnet}): choose another --subnet")
            : subnet;
    }

    /// <summary>docker's default pool: 10.0.0.0/24 for ingress, then the next free /24 of 10.0.0.0/8.</summary>
    private Ipv4Subnet FreeSubnet(bool ingress)
    {
        for (var i = ingress ? 0u : 1u; i < 1 << 16; i++)
        {
            var candidate = new Ipv4Subnet(Pool.Network + (i << 8), 24);
            if (!candidate.Overlaps(VipRange) && state.Networks.All(n => !Ipv4Subnet.Parse(n.Subnet, "subnet").Overlaps(candidate)))
            {
                return candidate;
            }
        }

        throw FlotillaException.Conflict("no free /24 is left in 10.0.0.0/8 for overlay networks: give one with --subnet");
    }

    private void Changed() => state.Version++;
}
