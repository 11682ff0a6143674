using System.Net;
using System.Security.Cryptography;
using System.Text;
using Flotilla.Plugins;
using Microsoft.Extensions.Logging;

namespace Flotilla.Network;

/// <summary>
/// Registers the "bridge" network driver. Settings: <c>default-subnet</c> (the default network's subnet, else the first
/// free of docker's pools), <c>dns-upstream</c> (where the embedded DNS forwards names it does not know: addresses
/// separated by commas, or "none"; default: the host's resolvers) and <c>instance</c> (4 hex digits naming this node's links and nftables table; derived from
/// the data root unless it is the default /var/lib/flotilla, so that several daemons on one host stay apart).
/// </summary>
public sealed class NetworkPlugin : IFlotillaPlugin
{
    private const string DefaultDataRoot = "/var/lib/flotilla";

    public string Name => "network";

    public void Register(IPluginRegistry registry, PluginContext context)
    {
        var instance = context.Setting("instance")
                       ?? (Path.GetFullPath(context.DataRoot).TrimEnd('/') == DefaultDataRoot
                           ? ""
                           : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(context.DataRoot))))[..4]);
        if (instance.Length > 0 && (instance.Length != 4 || !instance.All(char.IsAsciiHexDigitLower)))
        {
            throw new PluginException($"--Plugins:network:instance '{instance}' must be 4 lower-case hex digits", PluginErrorKind.InvalidInput);
        }

        var driver = new BridgeNetworkDriver(context.PluginDataDirectory(Name), Path.Combine(context.RunRoot, "netns"), new KernelNames(instance),
            DnsUpstream(context.Setting("dns-upstream")), context.Logs.CreateLogger<BridgeNetworkDriver>());
        driver.RestoreAsync(context.Setting("default-subnet"), CancellationToken.None).GetAwaiter().GetResult();
        registry.AddNetworkDriver(driver);
    }

    /// <summary>The resolvers the embedded DNS forwards to: the setting's comma-separated addresses, none for "none",
    /// else the host's (from /etc/resolv.conf; loopback ones too, since the server runs in the daemon's namespace).</summary>
    private static IReadOnlyList<IPAddress> DnsUpstream(string? setting)
    {
        if (setting is not null)
        {
            return setting == "none"
                ? []
                : [.. setting.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a => IPAddress.TryParse(a, out var ip)
                    ? ip
                    : throw new PluginException($"--Plugins:network:dns-upstream: '{a}' is not an IP address (give addresses separated by commas, or none)", PluginErrorKind.InvalidInput))];
        }

        return File.Exists("/etc/resolv.conf")
            ? [.. File.ReadLines("/etc/resolv.conf")
                .Select(l => l.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f.Length >= 2 && f[0] == "nameserver" && IPAddress.TryParse(f[1], out _))
                .Select(f => IPAddress.Parse(f[1]))]
            : [];
    }
}
