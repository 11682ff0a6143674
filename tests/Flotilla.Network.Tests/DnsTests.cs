using System.Text.Json;
using Flotilla.Tests.Harness;

namespace Flotilla.Network.Tests;

/// <summary>
/// Service discovery on user-defined networks through the CLI: containers resolve each other's names with the
/// network's embedded DNS server (on its gateway); a container on another network cannot. The daemon forwards
/// nowhere (NetworkDaemon), so the only names ever asked are the tests' own containers and a made-up *.invalid one.
/// </summary>
public sealed class DnsTests(NetworkDaemon fixture) : IClassFixture<NetworkDaemon>
{
    private Daemon D => fixture.Daemon;

    [Fact]
    public async Task Containers_on_a_user_network_resolve_each_other_by_name_and_other_networks_do_not()
    {
        var third = Random.Shared.Next(1, 250);
        var (front, back) = ($"10.218.{third}.0/24", $"10.219.{third}.0/24");
        await Ok("network", "create", "--subnet", front, "dns-front");
        await Ok("network", "create", "--subnet", back, "dns-back");
        try
        {
            var id = (await Ok("run", "-d", "--name", "dns-web", "--network", "dns-front", "--network-alias", "Web-Alias", "busybox", "sleep", "120")).Trim();
            var address = JsonDocument.Parse(await Ok("inspect", "dns-web", "--format", "json")).RootElement[0]
                .GetProperty("NetworkSettings").GetProperty("Networks").GetProperty("dns-front").GetProperty("IPAddress").GetString()!;

            Assert.Equal($"nameserver {front[..^4]}1", (await Ok("run", "--rm", "--network", "dns-front", "busybox", "cat", "/etc/resolv.conf")).Trim());
            var lookup = await Ok("run", "--rm", "--network", "dns-front", "busybox", "nslookup", "dns-web");
            Assert.Contains($"Address: {address}", lookup);
            Assert.Contains($"Address: {address}", await Ok("run", "--rm", "--network", "dns-front", "busybox", "nslookup", id[..12]));
            Assert.Contains($"Address: {address}", await Ok("run", "--rm", "--network", "dns-front", "busybox", "nslookup", "web-alias"));
            Assert.Contains("1 packets received", await Ok("run", "--rm", "--network", "dns-front", "busybox", "ping", "-c", "1", "-W", "5", "dns-web"));

            var unknown = await D.CliAsync("run", "--rm", "--network", "dns-front", "busybox", "nslookup", "no-such-container.invalid");
            Assert.NotEqual(0, unknown.ExitCode);
            Assert.Contains("NXDOMAIN", unknown.Stdout + unknown.Stderr);

            var elsewhere = await D.CliAsync("run", "--rm", "--network", "dns-back", "busybox", "nslookup", "dns-web");
            Assert.NotEqual(0, elsewhere.ExitCode);
            Assert.DoesNotContain(address, elsewhere.Stdout);

            await Ok("run", "-d", "--name", "dns-late", "busybox", "sleep", "120");
            await Ok("network", "connect", "--alias", "late-alias", "dns-front", "dns-late");
            var late = JsonDocument.Parse(await Ok("inspect", "dns-late", "--format", "json")).RootElement[0]
                .GetProperty("NetworkSettings").GetProperty("Networks").GetProperty("dns-front").GetProperty("IPAddress").GetString();
            Assert.Contains($"Address: {late}", await Ok("run", "--rm", "--network", "dns-front", "busybox", "nslookup", "late-alias"));

            await Ok("rm", "-f", "dns-web");
            var gone = await D.CliAsync("run", "--rm", "--network", "dns-front", "busybox", "nslookup", "dns-web");
            Assert.NotEqual(0, gone.ExitCode);
        }
        finally
        {
            await D.CliAsync("rm", "-f", "dns-web", "dns-late");
            await D.CliAsync("network", "rm", "dns-front");
            await D.CliAsync("network", "rm", "dns-back");
        }
    }

    [Fact]
    public async Task Names_still_resolve_after_a_daemon_restart()
    {
        await Ok("network", "create", "--subnet", $"10.223.{Random.Shared.Next(1, 250)}.0/24", "dns-restart");
        try
        {
            await Ok("run", "-d", "--name", "dns-survivor", "--network", "dns-restart", "busybox", "sleep", "120");
            await D.KillAsync();
            await D.StartProcessAsync();

            var address = JsonDocument.Parse(await Ok("inspect", "dns-survivor", "--format", "json")).RootElement[0]
                .GetProperty("NetworkSettings").GetProperty("Networks").GetProperty("dns-restart").GetProperty("IPAddress").GetString();
            Assert.Contains($"Address: {address}", await Ok("run", "--rm", "--network", "dns-restart", "busybox", "nslookup", "dns-survivor"));
        }
        finally
        {
            await D.CliAsync("rm", "-f", "dns-survivor");
            await D.CliAsync("network", "rm", "dns-restart");
        }
    }

    [Fact]
    public async Task An_alias_on_a_network_without_dns_or_not_a_dns_name_is_refused_and_nothing_is_left()
    {
        var before = await Ok("ps", "-aq");
        var onDefault = await D.CliAsync("run", "--rm", "--network-alias", "web", "busybox", "true");
        Assert.NotEqual(0, onDefault.ExitCode);
        Assert.Contains("--network-alias needs a user-defined network", onDefault.Stderr);

        await Ok("network", "create", "--subnet", $"10.222.{Random.Shared.Next(1, 250)}.0/24", "dns-bad");
        try
        {
            var bad = await D.CliAsync("run", "--rm", "--network", "dns-bad", "--network-alias", "not_a_name", "busybox", "true");
            Assert.NotEqual(0, bad.ExitCode);
            Assert.Contains("invalid network alias 'not_a_name'", bad.Stderr);
            Assert.Empty(JsonDocument.Parse(await Ok("network", "inspect", "dns-bad")).RootElement[0].GetProperty("Containers").EnumerateObject());
        }
        finally
        {
            await D.CliAsync("network", "rm", "dns-bad");
        }

        Assert.Equal(before, await Ok("ps", "-aq"));
    }

    private async Task<string> Ok(params string[] args)
    {
        var result = await D.CliAsync(args);
        Assert.True(result.ExitCode == 0, $"flotilla {string.Join(' ', args)}: {result}\n{await D.ReadLogAsync()}");
        return result.Stdout;
    }
}
