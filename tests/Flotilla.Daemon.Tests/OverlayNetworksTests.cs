using Xunit;
using Flotilla.Grains;
using Flotilla.Grains.Networks;
using Flotilla.Grains.Services;

namespace Flotilla.Daemon.Tests;

/// <summary>The swarm's overlay IPAM and each node's plan, as plain logic over the registry's state.</summary>
public sealed class OverlayNetworksTests
{
    private readonly NetworkRegistryState _state = new();

    private OverlayNetworks Networks => new(_state);

    [Fact]
    public void NoAddressIsHandedOutTwiceAndAFreedOneRestsBeforeReuse()
    {
        var network = Networks.Create(new OverlayNetworkSpec("ov", "10.9.0.0/29", Attachable: true));
        Assert.Equal("10.9.0.1", network.Gateway);
        var given = Enumerable.Range(0, 5).Select(i => Networks.Allocate($"c{i}", "n1", $"c{i}", [], null, ["ov"]).Single().Address).ToList();
        Assert.Equal(5, given.Distinct().Count());
        Assert.DoesNotContain("10.9.0.1/29", given);
        Assert.Throws<FlotillaException>(() => Networks.Allocate("c5", "n1", "c5", [], null, ["ov"]));
        Assert.Equal(given[0], Networks.Allocate("c0", "n1", "c0", [], null, ["ov"]).Single().Address); // same owner, same address

        Networks.Release("c2");
        Assert.Equal(given[2], Networks.Allocate("c9", "n1", "c9", [], null, ["ov"]).Single().Address); // the only free one
    }

    [Fact]
    public void SubnetsNeverOverlapAndDefaultsComeFromTheTenSlashEightPool()
    {
        Assert.Equal("10.0.1.0/24", Networks.Create(new OverlayNetworkSpec("a")).Subnet);
        Assert.Equal("10.0.2.0/24", Networks.Create(new OverlayNetworkSpec("b")).Subnet);
        Assert.Equal("10.0.0.0/24", Networks.Create(new OverlayNetworkSpec(OverlayNetworks.IngressNetwork)).Subnet);
        Assert.Contains("overlaps network a", Assert.Throws<FlotillaException>(() => Networks.Create(new OverlayNetworkSpec("c", "10.0.0.0/16"))).Message);
        Assert.Contains("virtual IPs", Assert.Throws<FlotillaException>(() => Networks.Create(new OverlayNetworkSpec("d", "10.255.1.0/24"))).Message);
        Assert.Contains("already exists", Assert.Throws<FlotillaException>(() => Networks.Create(new OverlayNetworkSpec("a"))).Message);
        Assert.Equal(3, _state.Networks.Select(n => n.Vni).Distinct().Count());
    }

    [Fact]
    public void APlanNamesPeersServicesAndOnlyRunningTasks()
    {
        Networks.Create(new OverlayNetworkSpec("ov"));
        Networks.Report("n1", "192.0.2.1");
        Networks.Report("n2", "192.0.2.2");
        Networks.Report("n3", "192.0.2.3");
        var vip = Networks.AttachService("s1", "web", ["ov"], []).VirtualIps.Single();
        var a = Networks.Allocate("t1", "n1", "web.1.t1", [], "s1", []).Single();
        var b = Networks.Allocate("t2", "n2", "web.2.t2", [], "s1", []).Single();
        Networks.SetActive("t1", true);

        var plan = Networks.PlanFor("n1");
        var network = plan.Networks.Single();
        Assert.Equal(["192.0.2.2"], network.Peers); // n3 has nothing on it
        Assert.Equal([vip.Address.Split('/')[0]], network.Names["web"]);
        Assert.Equal([a.Address.Split('/')[0]], network.Names["tasks.web"]); // t2 is not running yet
        Assert.Equal([b.Address.Split('/')[0]], network.Names["web.2.t2"]);
        Assert.Equal([a.Address.Split('/')[0]], plan.Services.Single().Backends);
        Assert.Empty(Networks.PlanFor("n3").Networks);
        Assert.NotEqual(network.NodeAddress, Networks.PlanFor("n2").Networks.Single().NodeAddress);
    }

    [Fact]
    public void IngressPortsSpanEveryNodeAndAreUniqueAcrossTheSwarm()
    {
        Networks.Report("n1", "192.0.2.1");
        Networks.Report("n2", "192.0.2.2");
        Networks.AttachService("s1", "web", [], [new PortConfig("tcp", 80, 8080)]);
        Assert.Equal(OverlayNetworks.IngressNetwork, Networks.PlanFor("n2").Networks.Single().Name);
        Assert.Equal(["192.0.2.1"], Networks.PlanFor("n2").Networks.Single().Peers);
        var taken = Assert.Throws<FlotillaException>(() => Networks.AttachService("s2", "api", [], [new PortConfig("tcp", 81, 8080)]));
        Assert.Contains("already in use by service 'web'", taken.Message);
        Networks.AttachService("s2", "api", [], [new PortConfig("udp", 81, 8080)]); // another protocol is another port
        Assert.Contains("in use by service web", Assert.Throws<FlotillaException>(() => Networks.Remove(OverlayNetworks.IngressNetwork)).Message);
    }

    [Fact]
    public void APortPublishedAsZeroGetsAFreeDynamicOneThatUpdatesKeep()
    {
        var first = Networks.AttachService("s1", "web", [], [new PortConfig("tcp", 80, 0)]).Ports.Single();
        Assert.Equal(OverlayNetworks.FirstDynamicPort, first.PublishedPort);
        var second = Networks.AttachService("s2", "api", [], [new PortConfig("tcp", 80, 0)]).Ports.Single();
        Assert.Equal(OverlayNetworks.FirstDynamicPort + 1, second.PublishedPort);
        Assert.Equal(first.PublishedPort, Networks.AttachService("s1", "web", [], [new PortConfig("tcp", 80, 0)]).Ports.Single().PublishedPort);
    }
}
