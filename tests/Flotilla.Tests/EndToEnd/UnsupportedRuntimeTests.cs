using Flotilla.Tests.Harness;

namespace Flotilla.Tests.EndToEnd;

/// <summary>The hyperv and macos runtimes load on every node but cannot run on Linux: they say so and name what can.</summary>
[Collection("daemon")]
public sealed class UnsupportedRuntimeTests(SharedDaemon shared)
{
    private Daemon D => shared.Daemon;

    [Theory]
    [InlineData("hyperv", "needs Windows 10 1809+/Server 2019 with the Hyper-V feature")]
    [InlineData("macos", "needs macOS 12+ with vfkit")]
    public async Task Run_on_a_runtime_this_host_cannot_use_exits_125_and_names_the_runtimes_it_has(string runtime, string requirement)
    {
        var name = "unsupported-" + runtime;
        var run = await D.CliAsync("run", "--rm", "--name", name, "--runtime", runtime, "busybox", "true");

        Assert.Equal(125, run.ExitCode);
        Assert.Contains($"runtime {runtime} is not supported on this host ({requirement}); this node has: ", run.Stderr);
        Assert.Contains("linux", run.Stderr.Split("this node has: ")[1]);
        Assert.DoesNotContain(name, (await D.CliAsync("ps", "-a")).Stdout);
    }

    [Fact]
    public async Task Info_lists_them_as_unavailable()
    {
        var info = await D.CliAsync("info");

        Assert.Equal(0, info.ExitCode);
        Assert.Contains("hyperv (unavailable: needs Windows 10 1809+/Server 2019 with the Hyper-V feature)", info.Stdout);
        Assert.Contains("macos (unavailable: needs macOS 12+ with vfkit)", info.Stdout);
        Assert.Contains("linux (", info.Stdout);
    }
}
