using System.Diagnostics;
using System.Text.Json;
using Flotilla.Guest;
using Flotilla.Plugins;

namespace Flotilla.Hypervisor.Kvm;

/// <summary>
/// The VM's network card in the container's network namespace, which the network driver wired as for any container
/// (eth0 on the network, its address, the default route). A tap device joins it, and tc redirects every frame eth0
/// receives to the tap and every frame the tap receives out of eth0, as Kata Containers' "tcfilter" does: the guest
/// takes eth0's MAC and address, so to the network the VM is the container that was connected, and the driver needs
/// to know nothing of VMs. QEMU runs inside the namespace and opens the tap by name.
/// </summary>
internal static class NamespaceNic
{
    /// <summary>The tap's name inside the container's namespace (its own, so no name is shared with anything).</summary>
    public const string Tap = "tap0";

    private const string Interface = "eth0";

    /// <summary>The tap and its redirects, made once (a restarted VM finds them), and eth0's address, gateway and MAC.</summary>
    public static async Task<(GuestNetwork Network, string Mac)?> PrepareAsync(string netns, CancellationToken ct)
    {
        const string script = $$"""
            set -e
            ip link show dev {{Interface}} >/dev/null 2>&1 || exit 0
            if ! ip link show dev {{Tap}} >/dev/null 2>&1; then
              mtu=$(ip -o link show dev {{Interface}} | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
              ip tuntap add dev {{Tap}} mode tap
              ip link set dev {{Tap}} mtu "$mtu" up
              tc qdisc add dev {{Interface}} ingress
              tc filter add dev {{Interface}} parent ffff: protocol all u32 match u8 0 0 action mirred egress redirect dev {{Tap}}
              tc qdisc add dev {{Tap}} ingress
              tc filter add dev {{Tap}} parent ffff: protocol all u32 match u8 0 0 action mirred egress redirect dev {{Interface}}
            fi
            ip -j link show dev {{Interface}}
            ip -j -4 addr show dev {{Interface}}
            ip -j -4 route show default
            """;
        var psi = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--net=" + netns, "/bin/sh", "-c", script })
        {
            psi.ArgumentList.Add(arg);
        }

        using var sh = Process.Start(psi) ?? throw new PluginException("cannot run nsenter to give the VM its network card");
        var stdout = sh.StandardOutput.ReadToEndAsync(ct);
        var stderr = await sh.StandardError.ReadToEndAsync(ct);
        await sh.WaitForExitAsync(ct);
        if (sh.ExitCode != 0)
        {
            throw new PluginException($"cannot bridge the VM's network card to {Interface} in {netns} (needs iproute2's ip and tc): {stderr.Trim()}");
        }

        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length < 3 ? null : Parse(lines[0], lines[1], lines[2]);
    }

    /// <summary>`ip -j link show dev eth0`, `ip -j -4 addr show dev eth0` and `ip -j -4 route show default`, as iproute2 prints them.</summary>
    public static (GuestNetwork Network, string Mac)? Parse(string linkJson, string addrJson, string routeJson)
    {
        using var links = JsonDocument.Parse(linkJson);
        using var addr = JsonDocument.Parse(addrJson);
        using var route = JsonDocument.Parse(routeJson);
        if (links.RootElement.GetArrayLength() == 0 || addr.RootElement.GetArrayLength() == 0)
        {
            return null;
        }

        var link = links.RootElement[0];
        var inet = addr.RootElement[0].GetProperty("addr_info").EnumerateArray().FirstOrDefault(a => a.GetProperty("family").GetString() == "inet");
        if (inet.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var gateway = route.RootElement.EnumerateArray()
            .Select(r => r.TryGetProperty("gateway", out var g) ? g.GetString() : null)
            .FirstOrDefault(g => g is not null);
        var network = new GuestNetwork(inet.GetProperty("local").GetString()!, inet.GetProperty("prefixlen").GetInt32(), gateway, link.GetProperty("mtu").GetInt32());
        return (network, link.GetProperty("address").GetString()!);
    }
}
