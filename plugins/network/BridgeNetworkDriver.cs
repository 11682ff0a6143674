using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ARSoft.Tools.Net.Dns;
using Flotilla.Plugins;
using Microsoft.Extensions.Logging;

namespace Flotilla.Network;

/// <summary>
/// docker's bridge driver on one node: a Linux bridge per network, a veth pair per container endpoint, an address
/// from the network's subnet, outbound NAT and published ports in our own nftables table. A network's bridge exists
/// while a container is connected to it, so an idle node holds no interface and no table.
/// </summary>
public sealed partial class BridgeNetworkDriver : INetworkDriver
{
    public const string DefaultNetwork = "bridge";
    public const string OverlayDriver = "overlay";

    /// <summary>How long a network's bridge outlives its last container.</summary>
    public static readonly TimeSpan IdleTeardown = TimeSpan.FromSeconds(5);

    // docker's default address pools, in the order tried when no subnet is given.
    private static readonly string[] Pools = [.. Enumerable.Range(0, 14).Select(i => $"172.{31 - i}.0.0/16"), .. Enumerable.Range(0, 16).Select(i => $"192.168.{i * 16}.0/20")];

    private readonly string _stateFile;
    private readonly string _namespaceDirectory;
    private readonly KernelNames _names;
    private readonly Kernel _kernel;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    // Networks whose last container left, by id, with when: their bridge and rules stay for IdleTeardown, so that
    // back-to-back `run --rm` reuse them instead of paying a bridge and a table each time.
    private readonly Dictionary<string, long> _idleSince = [];
    private readonly IReadOnlyList<IPAddress>? _dnsUpstream;
    private readonly Dictionary<string, EmbeddedDnsServer> _dns = [];
    private NetworkState _state;
    // Per network id, its containers' names, aliases and short ids → their addresses there: what the DNS servers read,
    // swapped whole after each change so that a query never waits for the driver's lock.
    private volatile IReadOnlyDictionary<string, Dictionary<string, IPAddress[]>> _dnsNames = new Dictionary<string, Dictionary<string, IPAddress[]>>();

    /// <param name="dnsUpstream">Where the embedded DNS servers forward names they do not know; null or empty: nowhere
    /// (they answer NXDOMAIN).</param>
    public BridgeNetworkDriver(string dataDirectory, string namespaceDirectory, KernelNames names, IReadOnlyList<IPAddress>? dnsUpstream, ILogger logger)
    {
        _dnsUpstream = dnsUpstream is { Count: > 0 } ? dnsUpstream : null;
        _stateFile = Path.Combine(dataDirectory, "state.json");
        _namespaceDirectory = namespaceDirectory;
        _names = names;
        _logger = logger;
        _kernel = new Kernel(logger);
        _state = NetworkState.Load(_stateFile);
    }

    public string Name => "bridge";

    public KernelNames Names => _names;

    [GeneratedRegex("^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")]
    private static partial Regex DnsLabel();

    /// <summary>
    /// After a daemon start: makes sure the default network exists, brings back what the kernel lost (bridges, veths,
    /// rules) for containers whose namespace is still there, and removes what a crash left half-made.
    /// </summary>
    public async Task RestoreAsync(string? defaultSubnet, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (Find(DefaultNetwork) is null)
            {
                var subnet = defaultSubnet is null ? await FreeSubnetAsync(ct) : await CheckedSubnetAsync(defaultSubnet, ct);
                _state.Networks.Add(NewNetwork(DefaultNetwork, subnet, null, new Dictionary<string, string>()));
            }

            foreach (var sandbox in _state.Sandboxes.ToList())
            {
                if (!Kernel.IsNamespaceMounted(sandbox.Path))
                {
                    _logger.LogInformation("Container {ContainerId}'s network namespace is gone: releasing its addresses", sandbox.ContainerId);
                    foreach (var endpoint in sandbox.Endpoints)
                    {
                        Release(endpoint);
                        Kernel.DeleteLink(_names.HostVeth(sandbox.ContainerId, endpoint.Slot));
                    }

                    _state.Sandboxes.Remove(sandbox);
                }
            }

            var expected = new HashSet<string>(StringComparer.Ordinal);
            foreach (var network in ActiveNetworks())
            {
                BridgeUp(network);
                expected.Add(_names.Bridge(network.Index));
                expected.Add(_names.Vxlan(network.Index));
            }

            foreach (var sandbox in _state.Sandboxes)
            {
                foreach (var endpoint in sandbox.Endpoints.ToList())
                {
                    var veth = _names.HostVeth(sandbox.ContainerId, endpoint.Slot);
                    expected.Add(veth);
                    if (!Kernel.LinkExists(veth))
                    {
                        // Lost with its bridge (someone deleted it): wire the container again.
                        ProgramEndpoint(sandbox, endpoint);
                    }
                }
            }

            foreach (var stray in Kernel.LinkNames().Where(l => _names.IsOurs(l) && !expected.Contains(l)))
            {
                _logger.LogInformation("Removing {Link}, left by an interrupted operation", stray);
                Kernel.DeleteLink(stray);
            }

            if (Directory.Exists(_namespaceDirectory))
            {
                foreach (var file in Directory.GetFiles(_namespaceDirectory).Where(f => _state.Sandboxes.All(s => s.Path != f)))
                {
                    Kernel.DeleteNamespace(file);
                }
            }

            await ApplyRulesAsync(ct, force: true);
            Save();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<NetworkInfo> CreateNetworkAsync(NetworkRequest request, CancellationToken ct)
    {
        if (!DnsLabel().IsMatch(request.Name) || request.Name is "none" or "host")
        {
            throw new PluginException(
                $"invalid network name '{request.Name}': use a DNS label (letters, digits and '-', at most 63, not starting or ending with '-'); 'none' and 'host' are reserved",
                PluginErrorKind.InvalidInput);
        }

        await _gate.WaitAsync(ct);
        try
        {
            if (Find(request.Name) is not null)
            {
                throw new PluginException($"network with name {request.Name} already exists", PluginErrorKind.Conflict);
            }

            var subnet = request.Subnet is null ? await FreeSubnetAsync(ct) : await CheckedSubnetAsync(request.Subnet, ct);
            var network = NewNetwork(request.Name, subnet, request.Gateway, request.Labels ?? new Dictionary<string, string>());
            _state.Networks.Add(network);
            Save();
            _logger.LogInformation("Created network {Network} ({Subnet}, gateway {Gateway})", network.Name, network.Subnet, network.Gateway);
            return ToInfo(network);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<NetworkInfo>> ListNetworksAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            return [.. _state.Networks.Select(ToInfo)];
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task RemoveNetworkAsync(string network, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var record = Get(network);
            if (record.Name == DefaultNetwork)
            {
                throw new PluginException($"{DefaultNetwork} is a pre-defined network and cannot be removed", PluginErrorKind.Conflict);
            }

            if (record.Driver == OverlayDriver)
            {
                throw new PluginException($"network {record.Name} is a swarm overlay network: remove it on a manager", PluginErrorKind.Conflict);
            }

            var users = Endpoints(record).Select(e => e.Endpoint.ContainerName).ToList();
            if (users.Count > 0)
            {
                throw new PluginException(
                    $"network {record.Name} has active endpoints ({string.Join(", ", users)}): disconnect or remove those containers first",
                    PluginErrorKind.Conflict);
            }

            _state.Networks.Remove(record);
            if (_idleSince.Remove(record.Id))
            {
                BridgeDown(record);
                await ApplyRulesAsync(ct);
            }

            Save();
            _logger.LogInformation("Removed network {Network}", record.Name);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<string> CreateNamespaceAsync(string containerId, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_state.Sandboxes.Find(s => s.ContainerId == containerId) is { } existing)
            {
                return existing.Path;
            }

            var path = Path.Combine(_namespaceDirectory, containerId);
            Kernel.CreateNamespace(path);
            _state.Sandboxes.Add(new SandboxRecord { ContainerId = containerId, Path = path });
            Save();
            return path;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<EndpointInfo> ConnectAsync(string network, string containerId, string containerName, IReadOnlyList<string> aliases, string? address, CancellationToken ct)
    {
        if (aliases.FirstOrDefault(a => !a.Split('.').All(DnsLabel().IsMatch)) is { } badAlias)
        {
            throw new PluginException($"invalid network alias '{badAlias}': use DNS labels (letters, digits and '-') separated by dots", PluginErrorKind.InvalidInput);
        }

        await _gate.WaitAsync(ct);
        try
        {
            var record = Get(network);
            if (aliases.Count > 0 && record.Name == DefaultNetwork)
            {
                throw new PluginException($"network aliases need a user-defined network: {DefaultNetwork} has no DNS (network create one)", PluginErrorKind.InvalidInput);
            }

            var sandbox = Sandbox(containerId);
            if (sandbox.Endpoints.Any(e => e.NetworkId == record.Id))
            {
                throw new PluginException($"container {containerName} is already connected to network {record.Name}", PluginErrorKind.Conflict);
            }

            var endpoint = new EndpointRecord
            {
                NetworkId = record.Id,
                ContainerName = containerName,
                Aliases = [.. aliases],
                Slot = Enumerable.Range(0, 10).FirstOrDefault(i => sandbox.Endpoints.All(e => e.Slot != i), -1),
                Address = Address(record, address),
            };
            if (endpoint.Slot < 0)
            {
                Release(endpoint);
                throw new PluginException($"container {containerName} is connected to 10 networks already, the most it can be", PluginErrorKind.Conflict);
            }

            sandbox.Endpoints.Add(endpoint);
            try
            {
                ProgramEndpoint(sandbox, endpoint);
                await ApplyRulesAsync(ct);
            }
            catch
            {
                sandbox.Endpoints.Remove(endpoint);
                Release(endpoint);
                UnprogramEndpoint(sandbox, endpoint, record);
                await ApplyRulesAsync(CancellationToken.None);
                throw;
            }

            Save();
            _logger.LogInformation("Connected container {ContainerId} to {Network} as {Address}", containerId, record.Name, endpoint.Address);
            return ToInfo(sandbox, endpoint);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task DisconnectAsync(string network, string containerId, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var record = Get(network);
            var sandbox = _state.Sandboxes.Find(s => s.ContainerId == containerId);
            var endpoint = sandbox?.Endpoints.Find(e => e.NetworkId == record.Id)
                           ?? throw new PluginException($"container {containerId} is not connected to network {record.Name}", PluginErrorKind.Conflict);
            sandbox!.Endpoints.Remove(endpoint);
            Release(endpoint);
            if (sandbox.Endpoints.Count == 0)
            {
                sandbox.Ports.Clear(); // nothing left to forward them to
            }

            UnprogramEndpoint(sandbox, endpoint, record);
            await ApplyRulesAsync(ct);
            Save();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task PublishAsync(string containerId, IReadOnlyList<PortMapping> ports, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var sandbox = Sandbox(containerId);
            if (sandbox.Endpoints.Count == 0)
            {
                throw new PluginException("ports can only be published for a container on a network (not with --network none or host)", PluginErrorKind.InvalidInput);
            }

            var added = new List<PortRecord>();
            foreach (var port in ports)
            {
                var protocol = port.Protocol.ToLowerInvariant();
                if (port.HostPort is < 1 or > 65535 || port.ContainerPort is < 1 or > 65535 || protocol is not ("tcp" or "udp"))
                {
                    throw new PluginException($"invalid published port {port.HostPort}:{port.ContainerPort}/{port.Protocol}: ports are 1-65535, the protocol tcp or udp", PluginErrorKind.InvalidInput);
                }

                if (_state.Sandboxes.SelectMany(s => s.Ports).Concat(added).Any(p => p.HostPort == port.HostPort && p.Protocol == protocol))
                {
                    throw new PluginException($"host port {port.HostPort}/{protocol} is already published by another container: choose another host port", PluginErrorKind.Conflict);
                }

                if (InUseOnHost(port.HostPort, protocol) is { } why)
                {
                    throw new PluginException($"host port {port.HostPort}/{protocol} is already in use on this host ({why}): choose another host port", PluginErrorKind.Conflict);
                }

                added.Add(new PortRecord { HostPort = port.HostPort, ContainerPort = port.ContainerPort, Protocol = protocol });
            }

            sandbox.Ports.AddRange(added);
            try
            {
                await ApplyRulesAsync(ct);
            }
            catch
            {
                sandbox.Ports.RemoveAll(added.Contains);
                await ApplyRulesAsync(CancellationToken.None);
                throw;
            }

            Save();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<EndpointInfo>> EndpointsAsync(string containerId, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            return _state.Sandboxes.Find(s => s.ContainerId == containerId) is { } sandbox
                ? [.. sandbox.Endpoints.OrderBy(e => e.Slot).Select(e => ToInfo(sandbox, e))]
                : [];
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task RemoveNamespaceAsync(string containerId, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_state.Sandboxes.Find(s => s.ContainerId == containerId) is not { } sandbox)
            {
                return;
            }

            _state.Sandboxes.Remove(sandbox);
            // The veths go with the namespace: the kernel deletes them when it frees it, off our path (deleting one
            // here waits ~20 ms for an RCU grace period; the kernel frees dying namespaces in batches).
            Kernel.DeleteNamespace(sandbox.Path);
            foreach (var endpoint in sandbox.Endpoints)
            {
                Release(endpoint);
                if (_state.Networks.Find(n => n.Id == endpoint.NetworkId) is { } network)
                {
                    MarkIfIdle(network);
                }
            }

            await ApplyRulesAsync(ct);
            Save();
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Save()
    {
        _state.Save(_stateFile);
        var planned = _state.Plan.Networks.ToDictionary(n => n.Id);
        _dnsNames = _state.Networks.ToDictionary(n => n.Id, n => Endpoints(n)
            .SelectMany(e => e.Endpoint.Aliases.Append(e.Endpoint.ContainerName).Append(e.Sandbox.ContainerId[..12]).Select(name => (name: name.ToLowerInvariant(), e.Endpoint.Address)))
            .Concat(planned.TryGetValue(n.Id, out var plan) ? plan.Names.SelectMany(kv => kv.Value.Select(a => (name: kv.Key, Address: a))) : [])
            .GroupBy(x => x.name)
            .ToDictionary(g => g.Key, g => g.Select(x => IPAddress.Parse(x.Address)).Distinct().ToArray()));
    }

    /// <summary>The network's bridge, and on a user-defined network its DNS server on the gateway (docker gives the
    /// default network none: its containers resolve with the host's resolvers).</summary>
    private void BridgeUp(NetworkRecord network)
    {
        if (network.Driver == OverlayDriver)
        {
            var vxlan = _names.Vxlan(network.Index);
            if (_kernel.EnsureOverlay(_names.Bridge(network.Index), vxlan, network.Vni, _state.Plan.LocalAddress, network.NodeAddress!, network.Gateway))
            {
                network.Peers.ForEach(peer => Kernel.FloodTo(vxlan, peer, add: true));
            }
        }
        else
        {
            _kernel.EnsureBridge(_names.Bridge(network.Index), GatewayCidr(network));
        }

        if (network.Name == DefaultNetwork || _dns.ContainsKey(network.Id))
        {
            return;
        }

        try
        {
            var id = network.Id;
            _dns[id] = new EmbeddedDnsServer(IPAddress.Parse(network.Gateway),
                name => _dnsNames.TryGetValue(id, out var names) && names.TryGetValue(name, out var addresses) ? addresses : null,
                _dnsUpstream is null ? null : new DnsClient(_dnsUpstream, 5000), _logger);
        }
        catch (SocketException e)
        {
            _logger.LogWarning(e, "No DNS for network {Network}: port 53 on its gateway {Gateway} cannot be bound; its containers use the host's resolvers", network.Name, network.Gateway);
        }
    }

    private void BridgeDown(NetworkRecord network)
    {
        Kernel.DeleteLink(_names.Vxlan(network.Index));
        Kernel.DeleteLink(_names.Bridge(network.Index));
        if (_dns.Remove(network.Id, out var server))
        {
            server.Dispose();
        }
    }

    private void ProgramEndpoint(SandboxRecord sandbox, EndpointRecord endpoint)
    {
        var network = _state.Networks.Single(n => n.Id == endpoint.NetworkId);
        var bridge = _names.Bridge(network.Index);
        BridgeUp(network);
        _idleSince.Remove(network.Id);
        var isFirst = sandbox.Endpoints.Min(e => e.Slot) == endpoint.Slot;
        Kernel.AddEndpoint(sandbox.Path, _names.HostVeth(sandbox.ContainerId, endpoint.Slot), KernelNames.ContainerInterface(endpoint.Slot),
            MacOf(endpoint.Address), $"{endpoint.Address}/{Ipv4Subnet.Parse(network.Subnet, "subnet").PrefixLength}", bridge, isFirst ? network.Gateway : null,
            network.Driver == OverlayDriver ? Kernel.OverlayMtu : 0);
    }

    /// <summary>Deletes the endpoint's veth; the network's bridge goes <see cref="IdleTeardown"/> after its last one.</summary>
    private void UnprogramEndpoint(SandboxRecord sandbox, EndpointRecord endpoint, NetworkRecord network)
    {
        Kernel.DeleteLink(_names.HostVeth(sandbox.ContainerId, endpoint.Slot));
        MarkIfIdle(network);
    }

    private void MarkIfIdle(NetworkRecord network)
    {
        if (network.Driver == OverlayDriver)
        {
            LeaveUnplannedOverlays();
        }
        else if (!Endpoints(network).Any())
        {
            _idleSince[network.Id] = Environment.TickCount64;
            _ = Task.Delay(IdleTeardown).ContinueWith(_ => TeardownIfIdleAsync(network.Id), TaskScheduler.Default).Unwrap();
        }
    }

    private async Task TeardownIfIdleAsync(string networkId)
    {
        await _gate.WaitAsync();
        try
        {
            if (!_idleSince.TryGetValue(networkId, out var since) || Environment.TickCount64 - since < IdleTeardown.TotalMilliseconds - 50)
            {
                return; // in use again, or idle again since a later leave (whose own timer decides)
            }

            _idleSince.Remove(networkId);
            if (_state.Networks.Find(n => n.Id == networkId) is { } network && !Endpoints(network).Any())
            {
                BridgeDown(network);
                await ApplyRulesAsync(CancellationToken.None);
            }
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Could not remove the bridge of idle network {NetworkId}; the next daemon start does", networkId);
        }
        finally
        {
            _gate.Release();
        }
    }

    private Task ApplyRulesAsync(CancellationToken ct, bool force = false)
    {
        var active = ActiveNetworks().Select(n => (n, _names.Bridge(n.Index))).ToList();
        var ports = _state.Sandboxes
            .Where(s => s.Endpoints.Count > 0)
            .SelectMany(s => s.Ports.Select(p => (p, s.Endpoints.MinBy(e => e.Slot)!.Address)));
        var overlays = active.Where(a => a.n.Driver == OverlayDriver).Select(a => (a.n, a.Item2, _names.Vxlan(a.n.Index))).ToList();
        return _kernel.ApplyRulesetAsync(_names.Table, NftRuleset.Render(_names.Table, active, ports, overlays, _state.Plan.Services), force, ct);
    }

    /// <summary>The networks whose bridge is up: with a container, or idle for less than <see cref="IdleTeardown"/>.</summary>
    private IEnumerable<NetworkRecord> ActiveNetworks() =>
        _state.Networks.Where(n => n.Driver == OverlayDriver || _idleSince.ContainsKey(n.Id) || Endpoints(n).Any());

    private IEnumerable<(SandboxRecord Sandbox, EndpointRecord Endpoint)> Endpoints(NetworkRecord network) =>
        _state.Sandboxes.SelectMany(s => s.Endpoints.Where(e => e.NetworkId == network.Id).Select(e => (s, e)));

    private NetworkRecord NewNetwork(string name, Ipv4Subnet subnet, string? gateway, IReadOnlyDictionary<string, string> labels)
    {
        uint gatewayAddress;
        if (gateway is null)
        {
            gatewayAddress = subnet.Network + 1;
        }
        else if (!Ipv4Subnet.TryAddress(gateway, out gatewayAddress) || !subnet.Contains(gatewayAddress) || gatewayAddress == subnet.Network || gatewayAddress == subnet.Broadcast)
        {
            throw new PluginException($"invalid gateway '{gateway}': give an IPv4 address inside {subnet} that is neither its first nor its last", PluginErrorKind.InvalidInput);
        }

        return new NetworkRecord
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            Name = name,
            Subnet = subnet.ToString(),
            Gateway = Ipv4Subnet.Format(gatewayAddress),
            Index = Enumerable.Range(0, 1000).First(i => _state.Networks.All(n => n.Index != i)),
            CreatedAt = DateTimeOffset.UtcNow,
            Labels = labels.ToDictionary(),
        };
    }

    private async Task<Ipv4Subnet> CheckedSubnetAsync(string text, CancellationToken ct)
    {
        var subnet = Ipv4Subnet.Parse(text, "subnet");
        if (await OverlapAsync(subnet, ct) is { } conflict)
        {
            throw new PluginException($"subnet {subnet} overlaps {conflict}: choose another --subnet", PluginErrorKind.Conflict);
        }

        return subnet;
    }

    private async Task<Ipv4Subnet> FreeSubnetAsync(CancellationToken ct)
    {
        foreach (var pool in Pools)
        {
            var subnet = Ipv4Subnet.Parse(pool, "pool");
            if (await OverlapAsync(subnet, ct) is null)
            {
                return subnet;
            }
        }

        throw new PluginException("no free subnet is left in the default pools (172.18-31.0.0/16, 192.168.0-240.0/20): give one with --subnet", PluginErrorKind.Conflict);
    }

    /// <summary>What the subnet collides with: another of our networks, or a route of the host (not one of ours).</summary>
    private async Task<string?> OverlapAsync(Ipv4Subnet subnet, CancellationToken ct)
    {
        if (_state.Networks.Find(n => Ipv4Subnet.Parse(n.Subnet, "subnet").Overlaps(subnet)) is { } network)
        {
            return $"network {network.Name} ({network.Subnet})";
        }

        foreach (var (destination, device) in await _kernel.RoutesAsync(ct))
        {
            if (destination == "default" || _names.IsOurs(device))
            {
                continue;
            }

            var route = destination.Contains('/') ? destination : destination + "/32";
            var parts = route.Split('/');
            if (Ipv4Subnet.TryAddress(parts[0], out var address) && int.TryParse(parts[1], out var length)
                && new Ipv4Subnet(address, length).Overlaps(subnet))
            {
                return $"the host's route to {destination} on {device}";
            }
        }

        return null;
    }

    /// <summary>An overlay endpoint's address is the cluster's; a local network's the driver picks.</summary>
    private static string Address(NetworkRecord network, string? given)
    {
        if (network.Driver != OverlayDriver)
        {
            return given is null
                ? Allocate(network)
                : throw new PluginException($"network {network.Name} hands out its own addresses: connect without one", PluginErrorKind.InvalidInput);
        }

        if (given is null || !Ipv4Subnet.TryAddress(given, out var address) || !Ipv4Subnet.Parse(network.Subnet, "subnet").Contains(address))
        {
            throw new PluginException($"overlay network {network.Name} needs the address the swarm allocated in {network.Subnet} (got '{given}')", PluginErrorKind.InvalidInput);
        }

        return given;
    }

    private static string Allocate(NetworkRecord network)
    {
        var address = Ipv4Subnet.Parse(network.Subnet, "subnet").NextFree(new HashSet<string>(network.Allocated) { network.Gateway }, network.LastAllocated)
                      ?? throw new PluginException($"network {network.Name} has no free address left in {network.Subnet}", PluginErrorKind.Conflict);
        network.Allocated.Add(address);
        network.LastAllocated = address;
        return address;
    }

    private void Release(EndpointRecord endpoint) =>
        _state.Networks.Find(n => n.Id == endpoint.NetworkId)?.Allocated.Remove(endpoint.Address);

    /// <summary>docker's scheme: 02:42 followed by the IPv4 address, so an address always has the same MAC.</summary>
    private static string MacOf(string address) =>
        "02:42:" + string.Join(':', IPAddress.Parse(address).GetAddressBytes().Select(b => b.ToString("x2")));

    private static string? InUseOnHost(int port, string protocol)
    {
        try
        {
            if (protocol == "tcp")
            {
                using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(new IPEndPoint(IPAddress.Any, port));
            }
            else
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.Bind(new IPEndPoint(IPAddress.Any, port));
            }

            return null;
        }
        catch (SocketException e)
        {
            return e.Message;
        }
    }

    private string GatewayCidr(NetworkRecord network) => $"{network.Gateway}/{Ipv4Subnet.Parse(network.Subnet, "subnet").PrefixLength}";

    private NetworkRecord? Find(string nameOrId) =>
        _state.Networks.Find(n => n.Name == nameOrId || n.Id == nameOrId)
        ?? (nameOrId.Length >= 6 ? _state.Networks.SingleOrDefault(n => n.Id.StartsWith(nameOrId, StringComparison.Ordinal)) : null);

    private NetworkRecord Get(string nameOrId) =>
        Find(nameOrId) ?? throw new PluginException($"network {nameOrId} not found", PluginErrorKind.NotFound);

    private SandboxRecord Sandbox(string containerId) =>
        _state.Sandboxes.Find(s => s.ContainerId == containerId)
        ?? throw new PluginException($"container {containerId} has no network namespace of this driver", PluginErrorKind.NotFound);

    private NetworkInfo ToInfo(NetworkRecord n) => new(n.Id, n.Name, n.Driver, n.Subnet, n.Gateway, n.CreatedAt, n.Labels,
        [.. Endpoints(n).Select(e => ToInfo(e.Sandbox, e.Endpoint))]);

    private EndpointInfo ToInfo(SandboxRecord sandbox, EndpointRecord e)
    {
        var network = _state.Networks.Single(n => n.Id == e.NetworkId);
        return new EndpointInfo(network.Id, network.Name, sandbox.ContainerId, e.ContainerName, KernelNames.ContainerInterface(e.Slot),
            $"{e.Address}/{Ipv4Subnet.Parse(network.Subnet, "subnet").PrefixLength}", network.Gateway, MacOf(e.Address),
            _dns.ContainsKey(network.Id) ? network.Gateway : null);
    }
}
