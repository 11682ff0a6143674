using Flotilla.Tests.Harness;

namespace Flotilla.Tests.EndToEnd;

/// <summary>Each test here has a daemon of its own: they kill it or configure it differently.</summary>
public sealed class DaemonRestartTests
{
    [Fact]
    public async Task Daemon_killed_with_SIGKILL_readopts_a_running_container()
    {
        await using var d = await Daemon.StartAsync();
        await d.ImportBusyboxAsync();
        var run = await d.CliAsync("run", "-d", "--name", "survivor", "busybox", "sh", "-c", "echo before; sleep 2; echo during; sleep 300");
        Assert.True(run.ExitCode == 0, run.ToString());
        var quick = await d.CliAsync("run", "-d", "--name", "quick", "busybox", "sh", "-c", "sleep 1; echo done; exit 5");
        Assert.True(quick.ExitCode == 0, quick.ToString());

        await d.KillAsync();
        await Task.Delay(3000); // "during" and quick's exit happen while no daemon runs
        await d.StartProcessAsync();

        var ps = await d.CliAsync("ps");
        Assert.Contains("survivor", ps.Stdout);
        Assert.Contains("Up ", ps.Stdout);
        var logs = await d.CliAsync("logs", "survivor");
        Assert.Equal("before\nduring\n", logs.Stdout);

        Assert.Equal("5", (await d.CliAsync("wait", "quick")).Stdout.Trim());
        Assert.Equal("done\n", (await d.CliAsync("logs", "quick")).Stdout);

        var stop = await d.CliAsync("stop", "-t", "1", "survivor");
        Assert.True(stop.ExitCode == 0, stop.ToString());
    }

    [Fact]
    public async Task Images_and_volumes_survive_a_restart()
    {
        await using var d = await Daemon.StartAsync();
        await d.ImportBusyboxAsync();
        Assert.Equal(0, (await d.CliAsync("run", "--rm", "-v", "keep:/d", "busybox", "sh", "-c", "echo kept > /d/f")).ExitCode);
        await d.KillAsync();
        await d.StartProcessAsync();
        var read = await d.CliAsync("run", "--rm", "-v", "keep:/d", "busybox", "cat", "/d/f");
        Assert.Equal("kept\n", read.Stdout);
    }

    [Fact]
    public async Task Runc_can_be_selected_instead_of_crun()
    {
        await using var d = await Daemon.StartAsync("--Plugins:runtime-linux:oci-runtime=runc");
        await d.ImportBusyboxAsync();
        var run = await d.CliAsync("run", "--rm", "busybox", "sh", "-c", "echo hello; exit 4");
        Assert.Equal(4, run.ExitCode);
        Assert.Equal("hello\n", run.Stdout);
        Assert.Contains("runc", (await d.CliAsync("info")).Stdout);

        // The monitor runs `runc run -d` as it runs crun's: stdin, and runc's own error in docker's words.
        var echo = await d.CliWithInputAsync("hi\n", "run", "-i", "--rm", "busybox", "cat");
        Assert.True(echo.Stdout == "hi\n", echo.ToString());
        var missing = await d.CliAsync("run", "--rm", "busybox", "no-such-command");
        Assert.True(missing.ExitCode == 127, missing.ToString());
        Assert.Contains("exec: \"no-such-command\": executable file not found in $PATH", missing.Stderr);
    }
}
