using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Flotilla.Tests.Harness;

namespace Flotilla.Network.Tests;

/// <summary>
/// The bridge driver through the CLI: addresses on the default network, published ports on loopback, user networks,
/// --network none and host, bad input, and that nothing is left in the kernel once the containers are gone.
/// </summary>
public sealed class BridgeNetworkTests(NetworkDaemon fixture) : IClassFixture<NetworkDaemon>
{
    private Daemon D => fixture.Daemon;

    [Fact]
    public async Task Run_on_the_default_network_gets_an_address_a_route_and_published_ports_answer_on_loopback()
    {
        var port = Net.FreePort();
        var web = await Ok("run", "-d", "--name", "web-published", "-p", $"{port}:80", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc");
        try
        {
            var ip = await Ok("run", "--rm", "busybox", "ip", "-o", "-4", "addr", "show", "eth0");
            Assert.Contains($"inet {fixture.DefaultSubnetPrefix}", ip);
            var route = await Ok("run", "--rm", "busybox", "ip", "route");
            Assert.Contains($"default via {fixture.DefaultSubnetPrefix}1 dev eth0", route);

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var hostname = await Net.RetryAsync(() => http.GetStringAsync($"http://127.0.0.1:{port}/hostname"));
            Assert.Equal(web.Trim()[..12], hostname.Trim());

            var inspect = JsonDocument.Parse(await Ok("inspect", "web-published", "--format", "json")).RootElement[0];
            Assert.StartsWith(fixture.DefaultSubnetPrefix, inspect.GetProperty("NetworkSettings").GetProperty("Networks").GetProperty("bridge").GetProperty("IPAddress").GetString());
            Assert.Equal(port.ToString(), inspect.GetProperty("HostConfig").GetProperty("PortBindings").GetProperty("80/tcp")[0].GetProperty("HostPort").GetString());
        }
        finally
        {
            await D.CliAsync("rm", "-f", "web-published");
        }
    }

    [Fact]
    public async Task Two_containers_on_a_user_network_reach_each_other()
    {
        var subnet = $"10.214.{Random.Shared.Next(1, 250)}.0/24";
        await Ok("network", "create", "--subnet", subnet, "--gateway", subnet.Replace(".0/24", ".254"), "backend-net");
        try
        {
            await Ok("run", "-d", "--name", "backend", "--network", "backend-net", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc");
            var inspect = JsonDocument.Parse(await Ok("inspect", "backend", "--format", "json")).RootElement[0];
            var address = inspect.GetProperty("NetworkSettings").GetProperty("Networks").GetProperty("backend-net").GetProperty("IPAddress").GetString()!;
            Assert.StartsWith(subnet[..^4], address);

            Assert.Contains("1 packets received", await Ok("run", "--rm", "--network", "backend-net", "busybox", "ping", "-c", "1", "-W", "5", address));
            var hostname = await Ok("run", "--rm", "--network", "backend-net", "busybox", "wget", "-q", "-O", "-", $"http://{address}/hostname");
            Assert.Equal(inspect.GetProperty("Id").GetString()![..12], hostname.Trim());

            var network = JsonDocument.Parse(await Ok("network", "inspect", "backend-net")).RootElement[0];
            Assert.Equal(subnet, network.GetProperty("IPAM").GetProperty("Config")[0].GetProperty("Subnet").GetString());
            Assert.Equal(subnet.Replace(".0/24", ".254"), network.GetProperty("IPAM").GetProperty("Config")[0].GetProperty("Gateway").GetString());
            Assert.Single(network.GetProperty("Containers").EnumerateObject());

            var inUse = await D.CliAsync("network", "rm", "backend-net");
            Assert.NotEqual(0, inUse.ExitCode);
            Assert.Contains("has active endpoints (backend)", inUse.Stderr);
        }
        finally
        {
            await D.CliAsync("rm", "-f", "backend");
            await D.CliAsync("network", "rm", "backend-net");
        }

        Assert.DoesNotContain("backend-net", await Ok("network", "ls"));
    }

    [Fact]
    public async Task Connect_adds_an_interface_to_a_running_container_and_disconnect_removes_it()
    {
        var subnet = $"10.216.{Random.Shared.Next(1, 250)}.0/24";
        await Ok("network", "create", "--subnet", subnet, "side-net");
        try
        {
            await Ok("run", "-d", "--name", "roamer", "busybox", "sleep", "60");
            await Ok("network", "connect", "side-net", "roamer");
            var links = await Ok("exec", "roamer", "ip", "-o", "-4", "addr");
            Assert.Contains($"eth1    inet {subnet[..^4]}", links);
            var inspect = JsonDocument.Parse(await Ok("inspect", "roamer", "--format", "json")).RootElement[0];
            Assert.Equal(2, inspect.GetProperty("NetworkSettings").GetProperty("Networks").EnumerateObject().Count());

            Assert.Contains("already connected", (await D.CliAsync("network", "connect", "side-net", "roamer")).Stderr);
            await Ok("network", "disconnect", "side-net", "roamer");
            Assert.DoesNotContain("eth1", await Ok("exec", "roamer", "ip", "-o", "link"));
            Assert.Empty(JsonDocument.Parse(await Ok("network", "inspect", "side-net")).RootElement[0].GetProperty("Containers").EnumerateObject());
        }
        finally
        {
            await D.CliAsync("rm", "-f", "roamer");
            await D.CliAsync("network", "rm", "side-net");
        }
    }

    [Fact]
    public async Task Network_none_has_only_loopback_and_host_sees_the_hosts_interfaces()
    {
        var links = (await Ok("run", "--rm", "--network", "none", "busybox", "ip", "-o", "link")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(links);
        Assert.Contains(": lo:", links[0]);

        var hostLinks = (await Ok("run", "--rm", "--network", "host", "busybox", "ip", "-o", "link")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var hostCount = Directory.GetFileSystemEntries("/sys/class/net").Length;
        Assert.InRange(hostLinks.Length, Math.Max(2, hostCount - 3), hostCount + 3); // others' tests may add or remove links meanwhile
    }

    [Fact]
    public async Task Bad_input_is_refused_clearly_and_leaves_nothing()
    {
        var overlapping = await D.CliAsync("network", "create", "--subnet", fixture.DefaultSubnetPrefix + "128/25", "clash");
        Assert.NotEqual(0, overlapping.ExitCode);
        Assert.Contains("overlaps network bridge", overlapping.Stderr);

        var notALabel = await D.CliAsync("network", "create", "under_score");
        Assert.NotEqual(0, notALabel.ExitCode);
        Assert.Contains("invalid network name 'under_score'", notALabel.Stderr);

        var badSubnet = await D.CliAsync("network", "create", "--subnet", "10.215.0.5/24", "odd");
        Assert.Contains("did you mean 10.215.0.0/24", badSubnet.Stderr);

        Assert.Contains("not found", (await D.CliAsync("run", "--rm", "--network", "no-such-net", "busybox", "true")).Stderr);
        Assert.Contains("cannot be published with --network none", (await D.CliAsync("run", "--rm", "--network", "none", "-p", "8080:80", "busybox", "true")).Stderr);
        Assert.Contains("invalid -p '99999:80'", (await D.CliAsync("run", "--rm", "-p", "99999:80", "busybox", "true")).Stderr);

        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var inUse = await D.CliAsync("run", "-d", "--name", "port-clash", "-p", $"{port}:80", "busybox", "sleep", "30");
        Assert.Equal(125, inUse.ExitCode);
        Assert.Contains($"host port {port}/tcp is already in use", inUse.Stderr);
        Assert.NotEqual(0, (await D.CliAsync("inspect", "port-clash")).ExitCode);

        Assert.DoesNotContain("clash", await Ok("network", "ls"));
        Assert.Contains("pre-defined", (await D.CliAsync("network", "rm", "bridge")).Stderr);
    }

    [Fact]
    public async Task Nothing_is_left_in_the_kernel_once_the_containers_are_gone_and_ports_survive_a_daemon_restart()
    {
        var port = Net.FreePort();
        await Ok("run", "-d", "--name", "survivor", "-p", $"{port}:80", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc");
        Assert.Contains(fixture.Table, await fixture.TablesAsync());
        Assert.Contains(fixture.LinkPrefix + "-0", await fixture.LinksAsync());

        await D.KillAsync();
        await D.StartProcessAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.NotEmpty(await Net.RetryAsync(() => http.GetStringAsync($"http://127.0.0.1:{port}/hostname")));

        await Ok("rm", "-f", "survivor");
        await WaitUntilAsync(async () => !(await Ok("ps", "-aq")).Trim().Any());
        // The bridge and the table outlive the last container by a few seconds (back-to-back runs reuse them).
        // The bridge goes first, then the table: wait for both.
        await WaitUntilAsync(async () => !(await fixture.LinksAsync()).Contains(fixture.LinkPrefix)
            && !(await fixture.TablesAsync()).Contains(fixture.Table));
        Assert.DoesNotContain(fixture.LinkPrefix, await fixture.LinksAsync());
        Assert.DoesNotContain(fixture.Table, await fixture.TablesAsync());
        Assert.Empty(Directory.Exists(Path.Combine(D.RunRoot, "netns")) ? Directory.GetFiles(Path.Combine(D.RunRoot, "netns")) : []);
    }

    private async Task<string> Ok(params string[] args)
    {
        var result = await D.CliAsync(args);
        Assert.True(result.ExitCode == 0, $"flotilla {string.Join(' ', args)}: {result}\n{await D.ReadLogAsync()}");
        return result.Stdout;
    }



    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 40 && !await condition(); i++)
        {
            await Task.Delay(250);
        }
    }
}
