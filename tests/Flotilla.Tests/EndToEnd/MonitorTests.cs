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
    public async Task Terminals_start_at_ConsoleSize_and_follow_resizes()
    {
        using var client = new FlotillaClient(new FlotillaClientOptions { Host = D.Host });
        var name = D.Name + "-resize";
        var id = (await client.Containers.CreateAsync(new ContainerCreateRequest
        {
            Image = "busybox",
            Tty = true,
            Cmd = ["sh", "-c", "stty size; exec sleep 60"],
            HostConfig = new HostConfig { ConsoleSize = [20, 70] },
        }, name)).Id;
        try
        {
            await client.Containers.StartAsync(id);
            await Eventually(async () => (await D.CliAsync("logs", name)).Stdout == "20 70\r\n");

            // The container's terminal is /dev/console inside it; an exec without a terminal reads its size.
            await client.Containers.ResizeAsync(id, 33, 111);
            Assert.Equal("33 111\n", (await D.CliAsync("exec", name, "stty", "-F", "/dev/console", "size")).Stdout);

            // An exec's own terminal: its size from the start (the process waits for a line: the runtime may set the
            // size a moment after the process starts; the daemon sets it before it answers), then a resize while it runs.
            var output = new MemoryStream();
            Assert.Equal(0, await client.Containers.ExecAsync(id, new ExecCreateRequest { Cmd = ["sh", "-c", "read line; stty size"], Tty = true, ConsoleSize = [21, 81] },
                output, Stream.Null, new MemoryStream("go\n"u8.ToArray())));
            Assert.EndsWith("21 81\r\n", Encoding.UTF8.GetString(output.ToArray()));

            var exec = await client.Containers.CreateExecAsync(id, new ExecCreateRequest { Cmd = ["sh", "-c", "read line; stty size"], Tty = true, AttachStdin = true });
            output = new MemoryStream();
            await using (var connection = await client.Containers.StartExecAsync(exec.Id, tty: true))
            {
                await client.Containers.ResizeExecAsync(exec.Id, 22, 82);
                await connection.WriteInputAsync("go\n"u8.ToArray(), CancellationToken.None);
                await connection.CopyOutputToAsync(output, Stream.Null, CancellationToken.None);
            }

            Assert.EndsWith("22 82\r\n", Encoding.UTF8.GetString(output.ToArray()));

            // Bad sizes and terminal-less targets are refused, saying why.
            var bad = await Assert.ThrowsAsync<FlotillaApiException>(() => client.Containers.ResizeAsync(id, 0, 80));
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("between 1 and 65535", bad.Message);
            var gone = await Assert.ThrowsAsync<FlotillaApiException>(() => client.Containers.ResizeExecAsync(exec.Id, 10, 10));
            Assert.Contains("is not running", gone.Message);
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }

        var plain = D.Name + "-resize-plain";
        Assert.Equal(0, (await D.CliAsync("run", "-d", "--name", plain, "busybox", "sleep", "60")).ExitCode);
        try
        {
            var noTerminal = await Assert.ThrowsAsync<FlotillaApiException>(() => client.Containers.ResizeAsync(plain, 24, 80));
            Assert.Equal(System.Net.HttpStatusCode.Conflict, noTerminal.StatusCode);
            Assert.Contains("has no terminal to resize", noTerminal.Message);
        }
        finally
        {
            await D.CliAsync("rm", "-f", plain);
        }
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        for (var attempt = 0; attempt < 100 && !await condition(); attempt++)
        {
            await Task.Delay(100);
        }

        Assert.True(await condition());
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
