using Flotilla.Tests.Harness;

namespace Flotilla.Kvm.Tests;

/// <summary>Tests that need a daemon of their own: restarted, or configured to fail.</summary>
public sealed class OwnDaemonTests
{
    [Fact]
    public async Task A_vm_and_its_log_outlive_a_daemon_killed_mid_run()
    {
        await using var d = await Daemon.StartAsync();
        await d.ImportBusyboxAsync();
        var run = await d.CliAsync("run", "-d", "--runtime", "kvm", "busybox", "sh", "-c", "echo before; sleep 4; echo after; exit 7");
        Assert.True(run.ExitCode == 0, run.ToString());
        var id = run.Stdout.Trim();
        for (var i = 0; i < 300 && !(await d.CliAsync("logs", id)).Stdout.Contains("before"); i++)
        {
            await Task.Delay(100);
        }

        await d.KillAsync();
        Assert.NotEmpty(Vms.Of(d.RunDirectory));
        await d.StartProcessAsync();

        var wait = await d.CliAsync("wait", id);
        Assert.Equal("7", wait.Stdout.Trim());
        var logs = await d.CliAsync("logs", id);
        Assert.Equal("before\nafter\n", logs.Stdout);
        await d.CliAsync("rm", id);
        Assert.Empty(Vms.Of(d.RunDirectory));
    }

    [Fact]
    public async Task Exec_reaches_a_vm_again_after_the_daemon_that_connected_to_it_was_killed()
    {
        await using var d = await Daemon.StartAsync();
        await d.ImportBusyboxAsync();
        var run = await d.CliAsync("run", "-d", "--runtime", "kvm", "busybox", "sleep", "1000");
        Assert.True(run.ExitCode == 0, run.ToString());
        var id = run.Stdout.Trim();
        var before = await d.CliAsync("exec", id, "echo", "before");
        Assert.True(before.ExitCode == 0, before.ToString());

        // The guest sees its exec port hang up and takes the new daemon's connection.
        await d.KillAsync();
        await d.StartProcessAsync();
        var after = await d.CliAsync("exec", id, "sh", "-c", "echo after; exit 5");
        Assert.True(after.ExitCode == 5, after.ToString());
        Assert.Equal("after\n", after.Stdout);
        await d.CliAsync("rm", "-f", id);
        Assert.Empty(Vms.Of(d.RunDirectory));
    }

    [Fact]
    public async Task A_guest_that_does_not_boot_in_time_is_killed_and_said_so()
    {
        await using var d = await Daemon.StartAsync("--Plugins:hypervisor-kvm:boot-timeout=0.3");
        await d.ImportBusyboxAsync();
        var run = await d.CliAsync("run", "--rm", "--runtime", "kvm", "busybox", "echo", "never");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("did not start the command within 0.3 s", run.Stderr);
        Assert.Empty(Vms.Of(d.RunDirectory));
    }

    [Fact]
    public async Task A_missing_kernel_is_said_with_how_to_get_it()
    {
        await using var d = await Daemon.StartAsync("--Plugins:hypervisor-kvm:kernel=/nonexistent/vmlinux");
        await d.ImportBusyboxAsync();
        var run = await d.CliAsync("run", "--rm", "--runtime", "kvm", "busybox", "true");
        Assert.Equal(125, run.ExitCode);
        Assert.Contains("/nonexistent/vmlinux is missing: run scripts/prepare-vm-kernel", run.Stderr);
        var info = await d.CliAsync("info");
        Assert.Contains("prepare-vm-kernel", info.Stdout + info.Stderr);
    }
}
