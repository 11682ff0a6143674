using Flotilla.Tests.Harness;

namespace Flotilla.Tests.EndToEnd;

/// <summary>`flotilla run` through the CLI process against a real daemon, crun, our monitor, overlayfs and cgroups.</summary>
[Collection("daemon")]
public sealed class RunTests(SharedDaemon shared)
{
    private Daemon D => shared.Daemon;

    [Fact]
    public async Task Hello_world_prints_and_leaves_nothing_behind()
    {
        var run = await D.CliAsync("run", "--rm", "busybox", "echo", "hello");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello\n", run.Stdout);

        var ps = await D.CliAsync("ps", "-aq");
        Assert.Equal(0, ps.ExitCode);
        Assert.DoesNotContain("hello", (await D.CliAsync("ps", "-a")).Stdout);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(42)]
    public async Task Exit_code_passes_through(int code)
    {
        var run = await D.CliAsync("run", "--rm", "busybox", "sh", "-c", $"exit {code}");
        Assert.True(run.ExitCode == code, run.ToString());
    }

    [Fact]
    public async Task Stdout_and_stderr_are_kept_apart()
    {
        var run = await D.CliAsync("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2");
        Assert.Equal("out\n", run.Stdout);
        Assert.Contains("err", run.Stderr);
    }

    [Fact]
    public async Task A_tty_run_and_exec_get_a_terminal()
    {
        var run = await D.CliAsync("run", "--rm", "-t", "busybox", "sh", "-c", "tty; test -t 1 && echo is-a-tty");
        Assert.Equal(0, run.ExitCode);
        Assert.Matches("^/dev/pts/[0-9]+\r\nis-a-tty\r\n$", run.Stdout); // a terminal's line endings, one stream
        var name = D.Name + "-tty";
        try
        {
            Assert.Equal(0, (await D.CliAsync("run", "-d", "--name", name, "busybox", "sleep", "60")).ExitCode);
            var exec = await D.CliAsync("exec", "-t", name, "sh", "-c", "tty; exit 4");
            Assert.True(exec.ExitCode == 4, exec.ToString());
            Assert.Matches("^/dev/pts/[0-9]+\r\n$", exec.Stdout);
            var typed = await D.CliWithInputAsync("echo typed; exit 5\n", "exec", "-i", "-t", name, "sh");
            Assert.Equal(5, typed.ExitCode);
            Assert.Contains("typed", typed.Stdout);
            Assert.Equal(127, (await D.CliAsync("exec", "-t", name, "no-such-command")).ExitCode);
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task A_tty_run_follows_the_size_of_the_users_terminal()
    {
        // util-linux's script gives the CLI a terminal of its own, 30x100; once the container runs, that terminal is
        // resized to 40x120 (which signals SIGWINCH to the CLI), and the container waits to see its own change.
        var name = D.Name + "-winch";
        var cli = $"FLOTILLA_HOST={D.Host} {Repo.Cli}";
        var inner = $"stty rows 30 cols 100; " +
                    $"(until {cli} ps | grep -q {name}; do sleep 0.1; done; stty rows 40 cols 120 < /dev/tty) & " +
                    $"{cli} run --rm -t --name {name} busybox sh -c 'stty size; while [ \"$(stty size)\" = \"30 100\" ]; do sleep 0.1; done; stty size'";
        var run = await Run.ProcessAsync("script", ["-qec", inner, "/dev/null"], timeout: TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches("30 100\r+\n40 120\r+\n", run.Stdout); // script's own terminal adds a \r of its own
    }

    [Fact]
    public async Task Env_workdir_and_user_apply()
    {
        var run = await D.CliAsync("run", "--rm", "-e", "FOO=bar", "-w", "/tmp", "-u", "1000:1000",
            "busybox", "sh", "-c", "echo $FOO; pwd; id -u; id -g");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("bar\n/tmp\n1000\n1000\n", run.Stdout);
    }

    [Fact]
    public async Task Named_user_resolves_from_the_image()
    {
        var run = await D.CliAsync("run", "--rm", "-u", "nobody", "busybox", "id", "-u");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("65534\n", run.Stdout);
    }

    [Fact]
    public async Task Missing_command_exits_127()
    {
        var run = await D.CliAsync("run", "--rm", "busybox", "no-such-command");
        Assert.True(run.ExitCode == 127, run.ToString());
        Assert.Contains("executable file not found", run.Stderr);
    }

    [Fact]
    public async Task Memory_limit_ends_a_hog_with_137_and_OOMKilled()
    {
        var name = D.Name + "-oom";
        var run = await D.CliAsync("run", "--name", name, "--memory", "16m", "busybox", "sh", "-c", "tail /dev/zero");
        try
        {
            Assert.True(run.ExitCode == 137, run.ToString());
            var inspect = await D.CliAsync("inspect", "--format", "json", name);
            Assert.Contains("\"OOMKilled\": true", inspect.Stdout.Replace("\"OOMKilled\":true", "\"OOMKilled\": true"));
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task Cpus_limit_is_visible_in_the_container_cgroup()
    {
        var run = await D.CliAsync("run", "--rm", "--cpus", "0.5", "busybox", "sh", "-c",
            "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d' ' -f1 /sys/fs/cgroup/cpu.max");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("50000", run.Stdout.Trim());
    }

    [Fact]
    public async Task Memory_limit_is_visible_in_the_container_cgroup()
    {
        var run = await D.CliAsync("run", "--rm", "--memory", "64m", "busybox", "sh", "-c",
            "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal((64 * 1024 * 1024).ToString(), run.Stdout.Trim());
    }

    [Fact]
    public async Task Container_is_isolated_in_its_own_namespaces()
    {
        var run = await D.CliAsync("run", "--rm", "busybox", "sh", "-c", "echo $$; hostname; ls /sys/class/net");
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("1", lines[0]);
        Assert.NotEqual(Environment.MachineName, lines[1]);
        Assert.Equal(["eth0", "lo"], lines[2..]); // its own namespace: loopback and its end of the default network's veth
    }

    [Fact]
    public async Task Writes_stay_in_the_container_not_in_the_image()
    {
        var first = await D.CliAsync("run", "--rm", "busybox", "sh", "-c", "echo changed > /bin/marker; rm /bin/ls; cat /bin/marker");
        Assert.Equal("changed\n", first.Stdout);
        var second = await D.CliAsync("run", "--rm", "busybox", "sh", "-c", "test ! -e /bin/marker && test -e /bin/ls && echo clean");
        Assert.Equal("clean\n", second.Stdout);
    }
}
