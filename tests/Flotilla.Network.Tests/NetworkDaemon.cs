using Flotilla.Tests.Harness;

namespace Flotilla.Network.Tests;

/// <summary>
/// One daemon for the networking tests, its default network on a random 10.213.X.0/24, its DNS forwarding nowhere. Disposing it removes its
/// containers, then (Leftovers) the links and the nftables table its network plugin names after its data root.
/// </summary>
public sealed class NetworkDaemon : IAsyncLifetime
{
    public Daemon Daemon { get; private set; } = null!;

    public string DefaultSubnetPrefix { get; } = $"10.213.{Random.Shared.Next(1, 250)}.";

    /// <summary>The network plugin's instance: the first 4 hex digits of the SHA-256 of the data root.</summary>
    public string Instance => Leftovers.NetworkInstance(Daemon.DataRoot);

    public string LinkPrefix => "fl" + Instance;

    public string Table => "flotilla_" + Instance;

    public async Task InitializeAsync()
    {
        // No upstream resolvers: the embedded DNS answers names it does not know NXDOMAIN rather than forwarding them
        // off the machine.
        Daemon = await Daemon.StartAsync($"--Plugins:network:default-subnet={DefaultSubnetPrefix}0/24", "--Plugins:network:dns-upstream=none");
        await Daemon.ImportBusyboxAsync();
    }

    public async Task DisposeAsync() => await Daemon.DisposeAsync();

    public async Task<string> LinksAsync() => (await Run.ProcessAsync("/usr/sbin/ip", ["-br", "link"])).Stdout;

    public async Task<string> TablesAsync() => (await Run.ProcessAsync("/usr/sbin/nft", ["list", "tables"])).Stdout;
}
