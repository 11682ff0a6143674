using System.Diagnostics;
using Flotilla.Plugins;
using Microsoft.Extensions.Logging;

namespace Flotilla.Network;

/// <summary>
/// Programs the kernel with iproute2's <c>ip</c> and <c>nft</c>: the tools every admin reads and debugs with, whose
/// output our tests check, and <c>nft -f</c> replaces a whole table in one transaction (all or nothing), which a
/// hand-written netlink client would have to re-implement. The cost is a process per step (~2 ms).
/// </summary>
public sealed class Kernel(ILogger logger)
{
    public const string Ip = "/usr/sbin/ip";
    public const string Nft = "/usr/sbin/nft";

    // Not /sys/class/net: sysfs shows the namespace of whoever mounted it, and a daemon started with
    // `nsenter --net` (the swarm tests' nodes) must see its own namespace's links.
    public static bool LinkExists(string name) => LinkNames().Contains(name);

    public async Task EnsureBridgeAsync(string bridge, string gatewayCidr, CancellationToken ct)
    {
        if (!LinkExists(bridge))
        {
            await RunAsync(Ip, ["link", "add", "name", bridge, "type", "bridge"], null, ct);
        }

        await RunAsync(Ip, ["addr", "replace", gatewayCidr, "dev", bridge], null, ct);
        await RunAsync(Ip, ["link", "set", bridge, "up"], null, ct);
        // Published ports answer on 127.0.0.1 too: DNAT in the output hook sends loopback-sourced packets out of the
        // bridge, which the kernel drops as martians unless this is set on it (what kube-proxy does).
        await File.WriteAllTextAsync($"/proc/sys/net/ipv4/conf/{bridge}/route_localnet", "1", ct);
        if ((await File.ReadAllTextAsync("/proc/sys/net/ipv4/ip_forward", ct)).Trim() != "1")
        {
            logger.LogInformation("Enabling IPv4 forwarding (net.ipv4.ip_forward=1) for container networks");
            await File.WriteAllTextAsync("/proc/sys/net/ipv4/ip_forward", "1", ct);
        }
    }

    public async Task DeleteLinkAsync(string name, CancellationToken ct)
    {
        if (LinkExists(name))
        {
            await RunAsync(Ip, ["link", "del", name], null, ct);
        }
    }

    /// <summary>A new network namespace bound to <paramref name="path"/>, with its loopback up.</summary>
    public async Task CreateNamespaceAsync(string path, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, [], ct);
        await RunAsync("/usr/bin/unshare", ["--net=" + path, Ip, "link", "set", "lo", "up"], null, ct);
    }

    public async Task DeleteNamespaceAsync(string path, CancellationToken ct)
    {
        if (IsNamespaceMounted(path))
        {
            await RunAsync("/bin/umount", ["--lazy", path], null, ct);
        }

        File.Delete(path);
    }

    public static bool IsNamespaceMounted(string path) =>
        File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')).Any(f => f.Length > 4 && f[4] == path);

    /// <summary>A veth pair: one end on the bridge, the other inside the namespace with its address (and default route).</summary>
    public async Task AddEndpointAsync(string netns, string hostVeth, string inside, string mac, string addressCidr, string bridge, string? defaultGateway, CancellationToken ct)
    {
        try
        {
            await RunAsync(Ip, ["link", "add", hostVeth, "type", "veth", "peer", "name", inside, "address", mac, "netns", netns], null, ct);
            await RunAsync(Ip, ["link", "set", hostVeth, "master", bridge, "up"], null, ct);
            var batch = $"addr add {addressCidr} dev {inside}\nlink set {inside} up\n" + (defaultGateway is null ? "" : $"route add default via {defaultGateway} dev {inside}\n");
            await RunAsync("/usr/bin/nsenter", ["--net=" + netns, Ip, "-batch", "-"], batch, ct);
        }
        catch
        {
            await DeleteLinkAsync(hostVeth, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Replaces our table in one transaction (or removes it when <paramref name="ruleset"/> is null).</summary>
    public Task ApplyRulesetAsync(string table, string? ruleset, CancellationToken ct) =>
        RunAsync(Nft, ["-f", "-"], $"table inet {table} {{}}\ndelete table inet {table}\n{ruleset}", ct);

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
