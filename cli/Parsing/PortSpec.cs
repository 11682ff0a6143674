using Flotilla.Client.Models;

namespace Flotilla.Cli.Parsing;

/// <summary>docker's "-p HOSTPORT:CONTAINERPORT[/tcp|udp]".</summary>
public static class PortSpec
{
    public static Dictionary<string, List<PortBinding>> Parse(IEnumerable<string> specs)
    {
        var bindings = new Dictionary<string, List<PortBinding>>();
        foreach (var spec in specs)
        {
            var (ports, protocol) = spec.Split('/') switch
            {
                [var p] => (p, "tcp"),
                [var p, var proto] => (p, proto.ToLowerInvariant()),
                _ => throw new ArgumentException($"invalid -p '{spec}': give HOSTPORT:CONTAINERPORT[/tcp|udp]"),
            };
            var parts = ports.Split(':');
            if (parts.Length != 2 || !IsPort(parts[0]) || !IsPort(parts[1]) || protocol is not ("tcp" or "udp"))
            {
                throw new ArgumentException($"invalid -p '{spec}': give HOSTPORT:CONTAINERPORT[/tcp|udp] with ports from 1 to 65535");
            }

            var key = $"{int.Parse(parts[1])}/{protocol}";
            if (!bindings.TryGetValue(key, out var list))
            {
                bindings[key] = list = [];
            }

            list.Add(new PortBinding { HostPort = int.Parse(parts[0]).ToString() });
        }

        return bindings;
    }

    private static bool IsPort(string text) => int.TryParse(text, out var port) && port is >= 1 and <= 65535;
}
