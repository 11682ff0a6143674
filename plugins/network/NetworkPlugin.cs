using System.Security.Cryptography;
using System.Text;
using Flotilla.Plugins;
using Microsoft.Extensions.Logging;

namespace Flotilla.Network;

/// <summary>
/// Registers the "bridge" network driver. Settings: <c>default-subnet</c> (the default network's subnet, else the first
/// free of docker's pools) and <c>instance</c> (4 hex digits naming this node's links and nftables table; derived from
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
            context.Logs.CreateLogger<BridgeNetworkDriver>());
        driver.RestoreAsync(context.Setting("default-subnet"), CancellationToken.None).GetAwaiter().GetResult();
        registry.AddNetworkDriver(driver);
    }
}
