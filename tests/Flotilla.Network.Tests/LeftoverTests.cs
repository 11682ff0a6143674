using Flotilla.Tests.Harness;

namespace Flotilla.Network.Tests;

/// <summary>A daemon that dies with a container connected leaves a bridge and a table; the harness sweeps them.</summary>
public sealed class LeftoverTests
{
    [Fact]
    public async Task A_killed_daemons_bridge_veth_and_table_are_swept_by_the_harness()
    {
        var daemon = await Daemon.StartAsync($"--Plugins:network:default-subnet=10.217.{Random.Shared.Next(1, 250)}.0/24");
        var prefix = "fl" + Leftovers.NetworkInstance(daemon.DataRoot);
        try
        {
            await daemon.ImportBusyboxAsync();
            var run = await daemon.CliAsync("run", "-d", "-p", "0:80", "busybox", "sleep", "60");
            Assert.Contains("invalid -p '0:80'", run.Stderr);
            run = await daemon.CliAsync("run", "-d", "busybox", "sleep", "60");
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains(prefix + "-0", (await Run.ProcessAsync("/usr/sbin/ip", ["-br", "link"])).Stdout);
            await daemon.KillAsync();
        }
        finally
        {
            await daemon.DisposeAsync();
        }

        Assert.DoesNotContain(prefix, (await Run.ProcessAsync("/usr/sbin/ip", ["-br", "link"])).Stdout);
        Assert.DoesNotContain("flotilla_" + prefix[2..], (await Run.ProcessAsync("/usr/sbin/nft", ["list", "tables"])).Stdout);
    }
}
