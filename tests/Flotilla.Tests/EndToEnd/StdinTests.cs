using System.Text;
using Flotilla.Client;
using Flotilla.Client.Models;
using Flotilla.Tests.Harness;

namespace Flotilla.Tests.EndToEnd;

/// <summary>
/// stdin through a hijacked connection: when the client's input ends it half-closes the connection, and the
/// output the container writes afterwards must still arrive (docker's behaviour).
/// </summary>
[Collection("daemon")]
public sealed class StdinTests(SharedDaemon shared)
{
    private Daemon D => shared.Daemon;

    [Fact]
    public async Task Run_interactive_keeps_the_output_written_after_stdin_ends()
    {
        var run = await D.CliWithInputAsync("hi\n", "run", "-i", "--rm", "busybox", "sh", "-c", "cat; sleep 0.2; echo after");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hi\nafter\n", run.Stdout);
    }

    [Fact]
    public async Task Sdk_run_with_stdin_keeps_the_output_written_after_stdin_ends()
    {
        using var client = new FlotillaClient(new FlotillaClientOptions { Host = D.Host });
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var code = await client.Containers.RunAsync(new ContainerCreateRequest
        {
            Image = "busybox",
            Cmd = ["sh", "-c", "wc -l; sleep 0.2; echo after >&2; exit 3"],
            OpenStdin = true,
            AttachStdin = true,
            StdinOnce = true,
            HostConfig = new HostConfig { AutoRemove = true },
        }, stdout, stderr, new MemoryStream(Encoding.UTF8.GetBytes("a\nb\nc\n")));
        Assert.Equal(3, code);
        Assert.Equal("3", Encoding.UTF8.GetString(stdout.ToArray()).Trim());
        Assert.Equal("after\n", Encoding.UTF8.GetString(stderr.ToArray()));
    }

    [Fact]
    public async Task Exec_interactive_keeps_the_output_written_after_stdin_ends()
    {
        var name = D.Name + "-execin";
        var started = await D.CliAsync("run", "-d", "--name", name, "busybox", "sleep", "300");
        Assert.True(started.ExitCode == 0, started.ToString());
        try
        {
            var exec = await D.CliWithInputAsync("x\ny\n", "exec", "-i", name, "sh", "-c", "wc -l; sleep 0.2; echo after");
            Assert.True(exec.ExitCode == 0, exec.ToString());
            Assert.Equal("2\nafter\n", exec.Stdout);
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }
}
