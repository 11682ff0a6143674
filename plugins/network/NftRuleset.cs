using System.Text;

namespace Flotilla.Network;

/// <summary>
/// Our whole nftables table, rendered from the state: outbound NAT per network and a DNAT per published port, for
/// traffic from outside (prerouting) and from the host itself (output), loopback included.
/// </summary>
public static class NftRuleset
{
    /// <summary>Null when nothing needs a rule: the table is then removed.</summary>
    public static string? Render(string table, IReadOnlyList<(NetworkRecord Network, string Bridge)> active, IEnumerable<(PortRecord Port, string Address)> ports)
    {
        if (active.Count == 0)
        {
            return null;
        }

        var text = new StringBuilder();
        text.Append($"table inet {table} {{\n");
        text.Append("\tchain published {\n");
        foreach (var (port, address) in ports)
        {
            text.Append($"\t\tmeta nfproto ipv4 {port.Protocol} dport {port.HostPort} dnat ip to {address}:{port.ContainerPort}\n");
        }

        text.Append("\t}\n");
        text.Append("\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\tfib daddr type local jump published\n\t}\n");
        text.Append("\tchain output {\n\t\ttype nat hook output priority -100; policy accept;\n\t\tfib daddr type local jump published\n\t}\n");
        text.Append("\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
        foreach (var (network, bridge) in active)
        {
            text.Append($"\t\tip saddr {network.Subnet} oifname != \"{bridge}\" masquerade\n");
            text.Append($"\t\tip saddr 127.0.0.0/8 oifname \"{bridge}\" masquerade\n");
        }

        text.Append("\t}\n}\n");
        return text.ToString();
    }
}
