using System.Text;
using Flotilla.Tests.Harness;

namespace Flotilla.Kvm.Tests;

[Collection("kvm")]
public sealed class RunTests(KvmDaemon shared)
{
    private Daemon D => shared.Daemon;

    [Fact]
    public async Task Hello_world_runs_in_a_vm_and_leaves_no_qemu()
    {
        var run = await D.CliAsync("run", "--rm", "--runtime", "kvm", "busybox", "echo", "hello");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello\n", run.Stdout);
        Assert.Empty(Vms.Of(D.RunDirectory));
    }

    [Fact]
    public async Task Exit_code_is_the_commands()
    {
        var run = await D.CliAsync("run", "--rm", "--runtime", "kvm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3");
        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Equal("out\n", run.Stdout);
        Assert.Equal("err\n", run.Stderr);
    }

    [Fact]
    public async Task User_workdir_and_env_reach_the_command()
    {
        var run = await D.CliAsync("run", "--rm", "--runtime", "kvm", "-u", "nobody", "-w", "/srv/app", "-e", "GREETING=a b  'c'",
            "busybox", "sh", "-c", "id -u; id -g; pwd; echo \"$GREETING\"");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("65534\n65534\n/srv/app\na b  'c'\n", run.Stdout);
    }

    [Fact]
    public async Task Stdin_reaches_the_command_through_the_channel()
    {
        var name = D.Name + "-stdin";
        var run = await D.CliWithInputAsync("line1\nline2\n", "run", "-i", "--name", name, "--runtime", "kvm", "busybox", "sh", "-c", "cat; echo done");
        Assert.True(run.ExitCode == 0, run.ToString());
        // Read back from the log: what the attached connection shows of -i runs is the daemon's business, not the VM's.
        var logs = await D.CliAsync("logs", name);
        Assert.Equal("line1\nline2\ndone\n", logs.Stdout);
        await D.CliAsync("rm", name);
    }

    [Fact]
    public async Task One_megabyte_of_output_arrives_intact()
    {
        var run = await D.CliAsync("run", "--rm", "--runtime", "kvm", "busybox", "sh", "-c", "yes 0123456789abcdef | head -c 1048576");
        Assert.True(run.ExitCode == 0, run.ExitCode + run.Stderr);
        var line = "0123456789abcdef\n";
        var expected = new StringBuilder();
        while (expected.Length < 1048576)
        {
            expected.Append(line);
        }

        Assert.Equal(1048576, run.Stdout.Length);
        Assert.True(expected.ToString(0, 1048576) == run.Stdout, "the output differs from what the guest wrote");
    }

    [Fact]
    public async Task Memory_limit_is_the_vms_size()
    {
        var run = await D.CliAsync("run", "--rm", "--runtime", "kvm", "--memory", "128m", "busybox", "head", "-1", "/proc/meminfo");
        Assert.True(run.ExitCode == 0, run.ToString());
        // MemTotal is the RAM less what the kernel keeps for itself: at 128 MiB about 80 MiB, at the 256 MiB default about 210.
        var kib = long.Parse(run.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        Assert.InRange(kib, 64 * 1024, 128 * 1024);
    }

    [Fact]
    public async Task Memory_below_what_a_guest_boots_with_is_refused()
    {
        var run = await D.CliAsync("run", "--rm", "--runtime", "kvm", "--memory", "64m", "busybox", "true");
        Assert.Equal(125, run.ExitCode);
        Assert.Contains("--memory 96m or more", run.Stderr);
        Assert.DoesNotContain("busybox", (await D.CliAsync("ps", "-a")).Stdout);
    }

    [Fact]
    public async Task Unknown_runtime_names_the_ones_the_node_has()
    {
        var run = await D.CliAsync("run", "--rm", "--runtime", "nosuch", "busybox", "true");
        Assert.Equal(125, run.ExitCode);
        Assert.Contains("This node has: kvm, linux", run.Stderr);
    }

    [Fact]
    public async Task A_named_volume_is_shared_with_namespace_containers_both_ways()
    {
        var volume = D.Name + "-vmvol";
        try
        {
            var vmWrites = await D.CliAsync("run", "--rm", "--runtime", "kvm", "-v", $"{volume}:/d", "busybox", "sh", "-c", "echo from-vm > /d/a");
            Assert.True(vmWrites.ExitCode == 0, vmWrites.ToString());
            var nsReads = await D.CliAsync("run", "--rm", "--runtime", "linux", "-v", $"{volume}:/d", "busybox", "sh", "-c", "cat /d/a; echo from-ns > /d/b");
            Assert.True(nsReads.ExitCode == 0, nsReads.ToString());
            Assert.Equal("from-vm\n", nsReads.Stdout);
            var vmReads = await D.CliAsync("run", "--rm", "--runtime", "kvm", "-v", $"{volume}:/d:ro", "busybox", "sh", "-c", "cat /d/b; touch /d/c");
            Assert.Equal("from-ns\n", vmReads.Stdout);
            Assert.True(vmReads.ExitCode != 0, "a read-only volume was writable in the VM");
        }
        finally
        {
            await D.CliAsync("volume", "rm", volume);
        }
    }

    [Fact]
    public async Task Kill_ends_the_vm_with_137_and_stop_delivers_sigterm_to_the_command()
    {
        var killed = await StartSleeperAsync();
        var kill = await D.CliAsync("kill", killed);
        Assert.True(kill.ExitCode == 0, kill.ToString());
        Assert.Equal("137", (await D.CliAsync("wait", killed)).Stdout.Trim());

        var stopped = await StartSleeperAsync();
        var stop = await D.CliAsync("stop", "-t", "20", stopped);
        Assert.True(stop.ExitCode == 0, stop.ToString());
        // 143 = 128 + SIGTERM: the signal reached the command through the channel; a killed VM would say 137.
        Assert.Equal("143", (await D.CliAsync("wait", stopped)).Stdout.Trim());

        await D.CliAsync("rm", killed, stopped);
        Assert.Empty(Vms.Of(D.RunDirectory));
    }

    private async Task<string> StartSleeperAsync()
    {
        var run = await D.CliAsync("run", "-d", "--runtime", "kvm", "busybox", "sh", "-c", "echo up; exec sleep 1000");
        Assert.True(run.ExitCode == 0, run.ToString());
        var id = run.Stdout.Trim();
        for (var i = 0; i < 300 && !(await D.CliAsync("logs", id)).Stdout.Contains("up"); i++)
        {
            await Task.Delay(100);
        }

        return id;
    }
}
