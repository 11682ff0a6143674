using System.Diagnostics;
using System.Globalization;
using System.Net;
using Flotilla.Plugins;
using Microsoft.Extensions.Logging;

namespace Flotilla.Network;

/// <summary>
/// Programs the kernel: links, addresses and routes over rtnetlink from this process (no process per step: the
/// default network's cost per container is a few system calls), our nftables table with <c>nft -f</c>, which
/// replaces it in one transaction (all or nothing) and is what admins read it back with.
/// </summary>
public sealed class Kernel(ILogger logger)
{
    public const string Ip = "/usr/sbin/ip";
    public const string Nft = "/usr/sbin/nft";

    private string? _appliedRuleset;

    // Not /sys/class/net: sysfs shows the namespace of whoever mounted it, and a daemon started with
    // `nsenter --net` (the swarm tests' nodes) must see its own namespace's links.
    public static bool LinkExists(string name) => LinkNames().Contains(name);

    public void EnsureBridge(string bridge, string gatewayCidr)
    {
        using var netlink = RouteNetlink.Open();
        var index = netlink.IndexOf(bridge);
        if (index < 0)
        {
            netlink.AddBridge(bridge);
            index = netlink.IndexOf(bridge);
        }

        var (gateway, prefixLength) = ParseCidr(gatewayCidr);
        netlink.ReplaceAddress(index, gateway, prefixLength, bridge);
        netlink.SetUp(index, bridge);
        // Published ports answer on 127.0.0.1 too: DNAT in the output hook sends loopback-sourced packets out of the
        // bridge, which the kernel drops as martians unless this is set on it (what kube-proxy does).
        File.WriteAllText($"/proc/sys/net/ipv4/conf/{bridge}/route_localnet", "1");
        if (File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim() != "1")
        {
            logger.LogInformation("Enabling IPv4 forwarding (net.ipv4.ip_forward=1) for container networks");
            File.WriteAllText("/proc/sys/net/ipv4/ip_forward", "1");
        }
    }

    /// <summary>The UDP port of VXLAN tunnels (IANA's, as docker's overlay driver uses).</summary>
    public const int VxlanPort = 4789;

    /// <summary>What fits in a 1500-byte underlay after VXLAN's 50 bytes of headers.</summary>
    public const int OverlayMtu = 1450;

    /// <summary>
    /// An overlay network's bridge: this node's own address on it (primary, the source of what the node sends
    /// there), the network's gateway as a /32 (the same on every node: containers reach their own node through it),
    /// and a VXLAN port. Returns whether the VXLAN device is new (its peers must be added again).
    /// </summary>
    public bool EnsureOverlay(string bridge, string vxlan, int vni, string local, string nodeCidr, string gateway)
    {
        EnsureBridge(bridge, nodeCidr);
        using var netlink = RouteNetlink.Open();
        var index = netlink.IndexOf(bridge);
        netlink.ReplaceAddress(index, IPAddress.Parse(gateway), 32, bridge);
        if (netlink.IndexOf(vxlan) >= 0)
        {
            return false;
        }

        netlink.AddVxlan(vxlan, vni, IPAddress.Parse(local), VxlanPort, index, OverlayMtu);
        return true;
    }

    public static void FloodTo(string vxlan, string peer, bool add)
    {
        using var netlink = RouteNetlink.Open();
        var index = netlink.IndexOf(vxlan);
        if (index >= 0)
        {
            netlink.FloodTo(index, IPAddress.Parse(peer), add);
        }
    }

    public static void DeleteLink(string name)
    {
        using var netlink = RouteNetlink.Open();
        netlink.DeleteLink(name);
    }

    /// <summary>A new network namespace bound to <paramref name="path"/>, with its loopback up.</summary>
    public static void CreateNamespace(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        NetworkNamespace.Create(path, netlink => netlink.SetUp(netlink.IndexOf("lo"), "lo"));
    }

    public static void DeleteNamespace(string path) => NetworkNamespace.Delete(path);

    public static bool IsNamespaceMounted(string path) => NetworkNamespace.IsMounted(path);

    /// <summary>A veth pair: one end on the bridge, the other inside the namespace with its address (and default route).</summary>
    public static void AddEndpoint(string netns, string hostVeth, string inside, string mac, string addressCidr, string bridge, string? defaultGateway, int mtu)
    {
        try
        {
            using (var host = RouteNetlink.Open())
            {
                var fd = NetworkNamespace.Open(netns);
                try
                {
                    host.AddVeth(hostVeth, host.IndexOf(bridge), inside, Convert.FromHexString(mac.Replace(":", "")), fd, mtu);
                }
                finally
                {
                    Native.close(fd);
                }
            }

            var (address, prefixLength) = ParseCidr(addressCidr);
            NetworkNamespace.Enter(netns, netlink =>
            {
                var index = netlink.IndexOf(inside);
                netlink.ReplaceAddress(index, address, prefixLength, inside);
                netlink.SetUp(index, inside);
                if (defaultGateway is not null)
                {
                    netlink.AddDefaultRoute(IPAddress.Parse(defaultGateway), index, inside);
                }
            });
        }
        catch
        {
            DeleteLink(hostVeth);
            throw;
        }
    }

    /// <summary>
    /// Replaces our table in one transaction (or removes it when <paramref name="ruleset"/> is null); nothing when it
    /// is what was applied last (most containers join a network whose rules are in place and publish no port).
    /// </summary>
    public async Task ApplyRulesetAsync(string table, string? ruleset, bool force, CancellationToken ct)
    {
        if (!force && _appliedRuleset is not null && _appliedRuleset == (ruleset ?? ""))
        {
            return;
        }

        _appliedRuleset = null;
        await RunAsync(Nft, ["-f", "-"], $"table inet {table} {{}}\ndelete table inet {table}\ntable bridge {table} {{}}\ndelete table bridge {table}\n{ruleset}", ct);
        _appliedRuleset = ruleset ?? "";
    }

    /// <summary>The links of this process' network namespace (/proc/net/dev is per namespace).</summary>
    public static IReadOnlyList<string> LinkNames() =>
        [.. File.ReadLines("/proc/self/net/dev").Skip(2).Select(l => l.Split(':')[0].Trim())];

    /// <summary>IPv4 routes of the main table as (destination, device), for overlap checks.</summary>
    public async Task<IReadOnlyList<(string Destination, string Device)>> RoutesAsync(CancellationToken ct)
    {
        var output = await RunAsync(Ip, ["-4", "-o", "route", "show", "table", "main"], null, ct);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => (f[0], f.SkipWhile(x => x != "dev").Skip(1).FirstOrDefault() ?? ""))
            .ToList();
    }

    private static (IPAddress Address, int PrefixLength) ParseCidr(string cidr)
    {
        var parts = cidr.Split('/');
        return (IPAddress.Parse(parts[0]), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    private async Task<string> RunAsync(string file, IReadOnlyList<string> args, string? stdin, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(psi)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            var command = $"{Path.GetFileName(file)} {string.Join(' ', args)}";
            logger.LogDebug("{Command} failed: {Error} (input: {Input})", command, (await error).Trim(), stdin);
            throw new PluginException($"{command} failed: {(await error).Trim()}");
        }

        return await output;
    }
}
