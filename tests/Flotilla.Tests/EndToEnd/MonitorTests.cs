using System.Text;
using Flotilla.Client;
using Flotilla.Client.Models;
using Flotilla.Tests.Harness;

namespace Flotilla.Tests.EndToEnd;

/// <summary>What our container monitor (plugins/runtime-linux/monitor.c) adds over a plain `crun run`.</summary>
[Collection("daemon")]
public sealed class MonitorTests(SharedDaemon shared)
{
    private Daemon D => shared.Daemon;

    [Fact]
    public async Task Tty_container_runs_on_a_terminal_whose_output_arrives_raw()
    {
        using var client = new FlotillaClient(new FlotillaClientOptions { Host = D.Host });
        var stdout = new MemoryStream();
        var code = await client.Containers.RunAsync(new ContainerCreateRequest
        {
            Image = "busybox",
            Tty = true,
            Cmd = ["sh", "-c", "tty; echo hi"],
            HostConfig = new HostConfig { AutoRemove = true },
        }, stdout, new MemoryStream());
        var text = Encoding.UTF8.GetString(stdout.ToArray());
        Assert.True(code == 0, text);
        Assert.StartsWith("/dev/pts/", text);
        Assert.EndsWith("hi\r\n", text); // the terminal's line discipline, not a pipe
    }

    [Fact]
    public async Task Output_written_before_the_runtime_returns_arrives_whole_live_and_in_the_log()
    {
        // 20,000 lines (~110 KiB) at once: more than a pipe holds while the monitor waits for `crun run -d` to return.
        var name = D.Name + "-burst";
        var run = await D.CliAsync("run", "--name", name, "busybox", "seq", "1", "20000");
        try
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            var expected = string.Concat(Enumerable.Range(1, 20000).Select(i => $"{i}\n"));
            Assert.Equal(expected, run.Stdout);
            Assert.Equal(expected, (await D.CliAsync("logs", name)).Stdout);
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task A_command_that_is_not_executable_exits_126()
    {
        var run = await D.CliAsync("run", "--rm", "busybox", "/etc/passwd");
        Assert.True(run.ExitCode == 126, run.ToString());
        Assert.Contains("ermission denied", run.Stderr);
    }

    [Fact]
    public async Task A_runtime_error_is_reported_once_and_stays_out_of_the_containers_log()
    {
        var name = D.Name + "-norun";
        var run = await D.CliAsync("run", "--name", name, "busybox", "no-such-command");
        try
        {
            Assert.True(run.ExitCode == 127, run.ToString());
            Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("executable file not found"));
            var logs = await D.CliAsync("logs", name);
            Assert.Equal(0, logs.ExitCode);
            Assert.Equal("", logs.Stdout + logs.Stderr);
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }
}
