using Flotilla.Tests.Harness;

namespace Flotilla.Tests.EndToEnd;

/// <summary>Detached containers: ps, logs, exec, stop, kill, wait, inspect, rm.</summary>
[Collection("daemon")]
public sealed class LifecycleTests(SharedDaemon shared)
{
    private Daemon D => shared.Daemon;

    private async Task<string> StartDetachedAsync(string name, params string[] command)
    {
        var run = await D.CliAsync(["run", "-d", "--name", name, "busybox", .. command]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var id = run.Stdout.Trim();
        Assert.Matches("^[0-9a-f]{64}$", id);
        return id;
    }

    [Fact]
    public async Task Detached_container_shows_in_ps_serves_logs_and_stops()
    {
        var name = D.Name + "-detached";
        var id = await StartDetachedAsync(name, "sh", "-c", "echo started; trap 'echo bye; exit 0' TERM; while true; do sleep 0.1; done");
        try
        {
            var ps = await D.CliAsync("ps");
            Assert.Contains(name, ps.Stdout);
            Assert.Contains(id[..12], ps.Stdout);
            Assert.Contains("Up ", ps.Stdout);

            await WaitForAsync(async () => (await D.CliAsync("logs", name)).Stdout.Contains("started"));

            var stop = await D.CliAsync("stop", name);
            Assert.True(stop.ExitCode == 0, stop.ToString());
            Assert.Contains("bye", (await D.CliAsync("logs", name)).Stdout);

            var wait = await D.CliAsync("wait", name);
            Assert.Equal("0", wait.Stdout.Trim());
            Assert.DoesNotContain(name, (await D.CliAsync("ps")).Stdout);
            Assert.Contains("Exited (0)", (await D.CliAsync("ps", "-a")).Stdout);
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task Kill_ends_with_128_plus_signal()
    {
        var name = D.Name + "-kill";
        await StartDetachedAsync(name, "sleep", "300");
        try
        {
            var kill = await D.CliAsync("kill", name);
            Assert.True(kill.ExitCode == 0, kill.ToString());
            var wait = await D.CliAsync("wait", name);
            Assert.Equal("137", wait.Stdout.Trim());
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task Exec_runs_inside_the_running_container()
    {
        var name = D.Name + "-exec";
        await StartDetachedAsync(name, "sh", "-c", "echo inside > /tmp/mark; sleep 300");
        try
        {
            await WaitForAsync(async () => (await D.CliAsync("exec", name, "cat", "/tmp/mark")).Stdout == "inside\n");
            var exit = await D.CliAsync("exec", name, "sh", "-c", "exit 7");
            Assert.Equal(7, exit.ExitCode);
            var env = await D.CliAsync("exec", "-e", "A=b", name, "sh", "-c", "echo $A");
            Assert.Equal("b\n", env.Stdout);
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task Exec_of_a_missing_or_non_executable_file_exits_like_a_shell()
    {
        var name = D.Name + "-exec-bad";
        await StartDetachedAsync(name, "sleep", "300");
        try
        {
            var missing = await D.CliAsync("exec", name, "no-such-command");
            Assert.True(missing.ExitCode == 127, missing.ToString());
            Assert.Contains("not found", missing.Stderr);

            var notExecutable = await D.CliAsync("exec", name, "/etc/passwd");
            Assert.True(notExecutable.ExitCode == 126, notExecutable.ToString());
            Assert.Contains("ermission denied", notExecutable.Stderr);

            // The process' own 255 stays 255.
            Assert.Equal(255, (await D.CliAsync("exec", name, "sh", "-c", "exit 255")).ExitCode);
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task Start_runs_an_exited_container_again_keeping_its_files_and_log()
    {
        var name = D.Name + "-again";
        await StartDetachedAsync(name, "sh", "-c", "echo run; cat /count 2>/dev/null; echo x >> /count; exit 3");
        try
        {
            Assert.Equal("3\n", (await D.CliAsync("wait", name)).Stdout);
            var start = await D.CliAsync("start", name);
            Assert.True(start.ExitCode == 0, start.ToString());
            Assert.Equal(name + "\n", start.Stdout);
            Assert.Equal("3\n", (await D.CliAsync("wait", name)).Stdout);
            // The second run saw the first one's file; the log holds both runs.
            Assert.Equal("run\nrun\nx\n", (await D.CliAsync("logs", name)).Stdout);

            // start -a streams this run's output and ends with its exit code, as docker's does.
            var attached = await D.CliAsync("start", "-a", name);
            Assert.Equal(3, attached.ExitCode);
            Assert.Equal("run\nx\nx\n", attached.Stdout);
            Assert.Contains("cannot start and attach multiple", (await D.CliAsync("start", "-a", name, name)).Stderr);
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task Create_makes_a_container_that_start_runs_with_its_flags()
    {
        var name = D.Name + "-created";
        var create = await D.CliAsync("create", "--name", name, "-e", "GREETING=hi", "-w", "/tmp", "busybox", "sh", "-c", "echo $GREETING from $(pwd); exit 4");
        try
        {
            Assert.True(create.ExitCode == 0, create.ToString());
            Assert.Matches("^[0-9a-f]{64}$", create.Stdout.Trim());
            Assert.Contains("Created", (await D.CliAsync("ps", "-a")).Stdout.Split('\n').Single(line => line.EndsWith(name)));
            Assert.Equal("", (await D.CliAsync("logs", name)).Stdout);

            var attached = await D.CliAsync("start", "-a", name);
            Assert.Equal(4, attached.ExitCode);
            Assert.Equal("hi from /tmp\n", attached.Stdout);
            Assert.Contains("unknown", (await D.CliAsync("create", "-d", "busybox", "true")).Stderr);
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task Ps_filters_like_docker()
    {
        var up = D.Name + "-filter-up";
        var done = D.Name + "-filter-done";
        var upId = await StartDetachedAsync(up, "sleep", "60");
        var run = await D.CliAsync("run", "--name", done, "-l", "tier=batch", "busybox", "sh", "-c", "exit 3");
        Assert.Equal(3, run.ExitCode);
        try
        {
            async Task<string[]> Names(params string[] filters) =>
                (await D.CliAsync(["ps", "--format", "json", .. filters.SelectMany(f => new[] { "--filter", f })])).Stdout
                .Split('"').Where(s => s.StartsWith("/" + D.Name + "-filter-")).Select(s => s[1..]).Order().ToArray();

            Assert.Equal([up], await Names("name=filter-up"));
            Assert.Equal([done], await Names("status=exited", "name=" + D.Name));           // stopped ones without -a
            Assert.Equal([done], await Names("exited=3"));
            Assert.Equal([done], await Names("label=tier=batch", "status=exited"));
            Assert.Equal([up], await Names("id=" + upId[..12]));
            Assert.Equal([done, up], await Names("status=running", "status=exited", "ancestor=busybox", "name=" + D.Name + "-filter"));
            Assert.Empty(await Names("label=tier=web", "status=exited"));

            var bad = await D.CliAsync("ps", "--filter", "colour=red");
            Assert.NotEqual(0, bad.ExitCode);
            Assert.Contains("Invalid filter 'colour'", bad.Stderr);
            Assert.Contains("expected KEY=VALUE", (await D.CliAsync("ps", "--filter", "status")).Stderr);
        }
        finally
        {
            await D.CliAsync("rm", "-f", up, done);
        }
    }

    [Fact]
    public async Task Attach_streams_a_running_containers_output_from_now_on_and_ends_with_its_exit_code()
    {
        var name = D.Name + "-attach";
        try
        {
            Assert.Equal(0, (await D.CliAsync("run", "-d", "--name", name, "busybox", "sh", "-c", "echo early; sleep 2; echo late; echo oops >&2; exit 7")).ExitCode);
            var attached = await D.CliAsync("attach", name);
            Assert.Equal(7, attached.ExitCode);
            Assert.Equal("late\n", attached.Stdout); // what came before the attach is in the log, not here
            Assert.Contains("oops", attached.Stderr);
            Assert.Contains("You cannot attach to a stopped container", (await D.CliAsync("attach", name)).Stderr);
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task Restart_replaces_the_running_process()
    {
        var name = D.Name + "-restart";
        await StartDetachedAsync(name, "sh", "-c", "trap 'exit 0' TERM; echo up; while true; do sleep 1; done");
        try
        {
            var before = await InspectPidAsync(name);
            var restart = await D.CliAsync("restart", "-t", "5", name);
            Assert.True(restart.ExitCode == 0, restart.ToString());
            var after = await InspectPidAsync(name);
            Assert.NotEqual(before, after);
            Assert.Contains(name, (await D.CliAsync("ps")).Stdout);
            await WaitForAsync(async () => (await D.CliAsync("logs", name)).Stdout == "up\nup\n");
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }

    private async Task<string> InspectPidAsync(string name)
    {
        var inspect = await D.CliAsync("inspect", "--format", "json", name);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        var pid = System.Text.Json.JsonDocument.Parse(inspect.Stdout).RootElement[0].GetProperty("State").GetProperty("Pid").GetInt32();
        Assert.True(pid > 0, inspect.Stdout);
        return pid.ToString();
    }

    [Fact]
    public async Task Rm_of_a_running_container_needs_force()
    {
        var name = D.Name + "-rm";
        await StartDetachedAsync(name, "sleep", "300");
        var rm = await D.CliAsync("rm", name);
        Assert.NotEqual(0, rm.ExitCode);
        Assert.Contains("running", rm.Stderr);
        Assert.Contains(name, (await D.CliAsync("ps")).Stdout);

        var force = await D.CliAsync("rm", "-f", name);
        Assert.True(force.ExitCode == 0, force.ToString());
        Assert.DoesNotContain(name, (await D.CliAsync("ps", "-a")).Stdout);
    }

    [Fact]
    public async Task Inspect_reports_config_and_state_as_json()
    {
        var name = D.Name + "-inspect";
        var id = await StartDetachedAsync(name, "sleep", "300");
        try
        {
            var inspect = await D.CliAsync("inspect", "--format", "json", name);
            Assert.True(inspect.ExitCode == 0, inspect.ToString());
            using var doc = System.Text.Json.JsonDocument.Parse(inspect.Stdout);
            var c = doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Array ? doc.RootElement[0] : doc.RootElement;
            Assert.Equal(id, c.GetProperty("Id").GetString());
            Assert.Equal("/" + name, c.GetProperty("Name").GetString());
            Assert.True(c.GetProperty("State").GetProperty("Running").GetBoolean());
            Assert.True(c.GetProperty("State").GetProperty("Pid").GetInt32() > 0);
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task Duplicate_name_is_a_conflict()
    {
        var name = D.Name + "-dup";
        await StartDetachedAsync(name, "sleep", "300");
        try
        {
            var again = await D.CliAsync("run", "-d", "--name", name, "busybox", "true");
            Assert.Equal(125, again.ExitCode);
            Assert.Contains("already in use", again.Stderr);
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }

    internal static async Task WaitForAsync(Func<Task<bool>> condition, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(100);
        }
    }
}
