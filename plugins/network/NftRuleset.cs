using System.Text;
using Flotilla.Plugins;

namespace Flotilla.Network;

/// <summary>
/// Our whole nftables ruleset, rendered from the state: outbound NAT per network and a DNAT per published port, for
/// traffic from outside (prerouting) and from the host itself (output), loopback included; for the swarm's services,
/// their virtual IPs and routing-mesh ports spread round-robin over their tasks (kube-proxy's nftables way, with
/// <c>numgen inc</c>), and on overlay networks the ARP filter that keeps each node's gateway to itself.
/// </summary>
public static class NftRuleset
{
    /// <summary>Null when nothing needs a rule: the tables are then removed.</summary>
    public static string? Render(
        string table,
        IReadOnlyList<(NetworkRecord Network, string Bridge)> active,
        IEnumerable<(PortRecord Port, string Address)> ports,
        IReadOnlyList<(NetworkRecord Network, string Bridge, string Vxlan)> overlays,
        IReadOnlyList<ServiceBalancing> services)
    {
        if (active.Count == 0)
        {
            return null;
        }

        var balanced = services.Where(s => s.Backends.Count > 0 && overlays.Any(o => o.Network.Id == s.NetworkId)).ToList();
        var text = new StringBuilder();
        text.Append($"table inet {table} {{\n");
        text.Append("\tchain published {\n");
        foreach (var (port, address) in ports)
        {
            text.Append($"\t\tmeta nfproto ipv4 {port.Protocol} dport {port.HostPort} dnat ip to {address}:{port.ContainerPort}\n");
        }

        foreach (var service in balanced)
        {
            foreach (var port in service.Ports.Where(p => p.PublishedPort > 0))
            {
                text.Append($"\t\tmeta nfproto ipv4 {port.Protocol} dport {port.PublishedPort} dnat ip to {Spread(service.Backends)}:{port.TargetPort}\n");
            }
        }

        text.Append("\t}\n");
        text.Append("\tchain services {\n");
        foreach (var service in balanced)
        {
            foreach (var port in service.Ports)
            {
                text.Append($"\t\tip daddr {service.Vip} {port.Protocol} dport {port.TargetPort} dnat ip to {Spread(service.Backends)}:{port.TargetPort}\n");
            }
        }

        text.Append("\t}\n");
        text.Append("\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\tfib daddr type local jump published\n\t\tjump services\n\t}\n");
        text.Append("\tchain output {\n\t\ttype nat hook output priority -100; policy accept;\n\t\tfib daddr type local jump published\n\t\tjump services\n\t}\n");
        // A virtual IP with no task behind it refuses at once, rather than leaving by the default route.
        var idle = services.Where(s => !balanced.Contains(s)).Select(s => s.Vip).ToList();
        if (idle.Count > 0)
        {
            var set = string.Join(", ", idle);
            text.Append($"\tchain idle_services {{\n\t\ttype filter hook output priority filter; policy accept;\n\t\tip daddr {{ {set} }} reject\n\t}}\n");
            text.Append($"\tchain idle_services_forward {{\n\t\ttype filter hook forward priority filter; policy accept;\n\t\tip daddr {{ {set} }} reject\n\t}}\n");
        }

        text.Append("\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
        foreach (var (network, bridge, _) in overlays)
        {
            // Balanced connections leave from this node's own address on the overlay, so that the task's answer
            // comes back here to be un-NATed, whichever node the task runs on.
            text.Append($"\t\tct status dnat ip daddr {network.Subnet} oifname \"{bridge}\" snat ip to {network.NodeAddress!.Split('/')[0]}\n");
        }

        foreach (var (network, bridge) in active)
        {
            text.Append($"\t\tip saddr {network.Subnet} oifname != \"{bridge}\" masquerade\n");
            text.Append($"\t\tip saddr 127.0.0.0/8 oifname \"{bridge}\" masquerade\n");
        }

        text.Append("\t}\n}\n");
        if (overlays.Count > 0)
        {
            // Every node's bridge holds the overlay's gateway address: ARP for it must not cross the tunnel.
            text.Append($"table bridge {table} {{\n");
            foreach (var hook in new[] { "prerouting", "postrouting" })
            {
                var direction = hook == "prerouting" ? "iifname" : "oifname";
                text.Append($"\tchain {hook} {{\n\t\ttype filter hook {hook} priority filter; policy accept;\n");
                foreach (var (network, _, vxlan) in overlays)
                {
                    text.Append($"\t\t{direction} \"{vxlan}\" arp saddr ip {network.Gateway} drop\n");
                    text.Append($"\t\t{direction} \"{vxlan}\" arp daddr ip {network.Gateway} drop\n");
                }

                text.Append("\t}\n");
            }

            text.Append("}\n");
        }

        return text.ToString();
    }

    /// <summary>One backend, or the next of several in turn.</summary>
    private static string Spread(IReadOnlyList<string> backends) =>
        backends.Count == 1
            ? backends[0]
            : $"numgen inc mod {backends.Count} map {{ {string.Join(", ", backends.Select((b, i) => $"{i} : {b}"))} }}";
}
