using Flotilla.Tests.Harness;

namespace Flotilla.Tests.EndToEnd;

/// <summary>
/// docker's own CLI (20.10, from Debian's docker.io, installed client only by scripts/install-deps) driving flotillad
/// through its Docker Engine API: the compatibility the API exists for.
/// </summary>
[Collection("daemon")]
public sealed class DockerCliTests(SharedDaemon shared)
{
    private const string DockerCli = "/opt/flotilla/docker-cli/docker";

    private Daemon D => shared.Daemon;

    private Task<ProcessResult> Docker(string? stdin, params string[] args) =>
        Run.ProcessAsync(DockerCli, args, new Dictionary<string, string> { ["DOCKER_HOST"] = D.Host, ["HOME"] = D.RunDirectory }, stdin, TimeSpan.FromSeconds(60));

    [Fact]
    public async Task Docker_run_streams_output_and_returns_the_exit_code()
    {
        var hello = await Docker(null, "run", "--rm", "busybox", "echo", "hello");
        Assert.True(hello.ExitCode == 0, hello.ToString());
        Assert.Equal("hello\n", hello.Stdout);

        var failing = await Docker(null, "run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3");
        Assert.Equal(3, failing.ExitCode);
        Assert.Equal("out\n", failing.Stdout);
        Assert.Equal("err\n", failing.Stderr);

        var piped = await Docker("piped in\n", "run", "--rm", "-i", "busybox", "cat");
        Assert.Equal("piped in\n", piped.Stdout);
    }

    [Fact]
    public async Task Docker_exec_ps_logs_stop_and_rm_work_on_a_detached_container()
    {
        var name = D.Name + "-docker";
        var run = await Docker(null, "run", "-d", "--name", name, "busybox", "sh", "-c", "echo up; exec sleep 60");
        Assert.True(run.ExitCode == 0, run.ToString());
        try
        {
            var exec = await Docker(null, "exec", name, "sh", "-c", "echo in the container; exit 4");
            Assert.Equal(4, exec.ExitCode);
            Assert.Equal("in the container\n", exec.Stdout);
            Assert.Equal("fed\n", (await Docker("fed\n", "exec", "-i", name, "cat")).Stdout);

            Assert.Contains(name, (await Docker(null, "ps")).Stdout);
            Assert.Equal("up\n", (await Docker(null, "logs", name)).Stdout);
            Assert.Equal(0, (await Docker(null, "stop", "-t", "1", name)).ExitCode);
            Assert.Equal(0, (await Docker(null, "rm", name)).ExitCode);
            Assert.DoesNotContain(name, (await Docker(null, "ps", "-a")).Stdout);
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }
}
