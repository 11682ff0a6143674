using System.Text;
using Flotilla.Client;
using Flotilla.Client.Models;
using Flotilla.Tests.Harness;

namespace Flotilla.Kvm.Tests;

/// <summary>exec and terminals in a VM: each test boots one VM and runs what it checks in it, to keep boots few under TCG.</summary>
[Collection("kvm")]
public sealed class ExecTests(KvmDaemon shared)
{
    private Daemon D => shared.Daemon;

    [Fact]
    public async Task Exec_runs_in_the_guest_with_its_own_streams_stdin_and_exit_code()
    {
        var run = await D.CliAsync("run", "-d", "--runtime", "kvm", "-u", "nobody", "-w", "/srv", "-e", "FROM=container",
            "busybox", "sh", "-c", "echo up; exec sleep 1000");
        Assert.True(run.ExitCode == 0, run.ToString());
        var id = run.Stdout.Trim();
        try
        {
            var streams = await D.CliAsync("exec", id, "sh", "-c", "echo out; echo err >&2; exit 3");
            Assert.True(streams.ExitCode == 3, streams.ToString());
            Assert.Equal("out\n", streams.Stdout);
            Assert.Equal("err\n", streams.Stderr);

            var inherited = await D.CliAsync("exec", id, "sh", "-c", "id -u; pwd; echo $FROM; cat /proc/1/comm");
            Assert.True(inherited.ExitCode == 0, inherited.ToString());
            // pid 1 is the guest's init: the exec runs in the VM, not on the host.
            Assert.Equal("65534\n/srv\ncontainer\ninit\n", inherited.Stdout);

            var overridden = await D.CliAsync("exec", "-u", "0", "-w", "/tmp", "-e", "FROM=exec", id, "sh", "-c", "id -u; pwd; echo $FROM");
            Assert.Equal("0\n/tmp\nexec\n", overridden.Stdout);

            var stdin = await D.CliWithInputAsync("line1\nline2\n", "exec", "-i", id, "sh", "-c", "cat; echo done");
            Assert.True(stdin.ExitCode == 0, stdin.ToString());
            Assert.Equal("line1\nline2\ndone\n", stdin.Stdout);

            var missing = await D.CliAsync("exec", id, "nosuchcommand");
            Assert.True(missing.ExitCode == 127, missing.ToString());
            Assert.Contains("nosuchcommand", missing.Stderr);
            var notExecutable = await D.CliAsync("exec", id, "/etc/passwd");
            Assert.True(notExecutable.ExitCode == 126, notExecutable.ToString());

            // Bigger than the 32 KiB an exec frame holds, from two sessions at once.
            var big = D.CliAsync("exec", id, "sh", "-c", "yes 0123456789abcdef | head -c 1048576");
            var small = D.CliAsync("exec", id, "echo", "beside");
            Assert.Equal("beside\n", (await small).Stdout);
            var bigResult = await big;
            Assert.True(bigResult.ExitCode == 0, bigResult.ExitCode + bigResult.Stderr);
            var expected = string.Concat(Enumerable.Repeat("0123456789abcdef\n", 1048576 / 17 + 1))[..1048576];
            Assert.True(expected == bigResult.Stdout, $"the output differs from what the guest wrote ({bigResult.Stdout.Length} bytes)");

            // A process that never reads its stdin holds up nothing else: the guest keeps what its pipe does not take.
            var unread = D.CliWithInputAsync(new string('x', 512 * 1024), "exec", "-i", id, "sleep", "1000");
            await Task.Delay(2000);
            var beside = await D.CliAsync("exec", id, "echo", "beside");
            Assert.True(beside.Stdout == "beside\n", beside.ToString());

            Assert.Equal(0, (await D.CliAsync("kill", id)).ExitCode);
            await D.CliAsync("wait", id);
            // Its processes went with the VM, as a killed process does.
            Assert.Equal(137, (await unread).ExitCode);
            var exited = await D.CliAsync("exec", id, "true");
            Assert.NotEqual(0, exited.ExitCode);
            Assert.Contains("is not running", exited.Stderr);
        }
        finally
        {
            await D.CliAsync("rm", "-f", id);
        }

        Assert.Empty(Vms.Of(D.RunDirectory));
    }

    [Fact]
    public async Task Run_and_exec_with_a_tty_get_a_terminal_in_the_guest()
    {
        using var client = new FlotillaClient(new FlotillaClientOptions { Host = D.Host });
        var created = await client.Containers.CreateAsync(new ContainerCreateRequest
        {
            Image = "busybox",
            Tty = true,
            Cmd = ["sh", "-c", "tty; test -t 0 && test -t 1 && echo on-a-tty; exec sleep 1000"],
            HostConfig = new HostConfig { Runtime = "kvm" },
        });
        try
        {
            await client.Containers.StartAsync(created.Id);
            var logs = "";
            for (var i = 0; i < 300 && !logs.Contains("on-a-tty"); i++)
            {
                await Task.Delay(100);
                logs = (await D.CliAsync("logs", created.Id)).Stdout;
            }

            // The terminal's line discipline turns \n into \r\n: a pipe would not.
            Assert.Matches(@"^/dev/pts/\d+\r\non-a-tty\r\n$", logs);

            var stdout = new MemoryStream();
            var code = await client.Containers.ExecAsync(created.Id, new ExecCreateRequest { Tty = true, Cmd = ["sh", "-c", "tty; test -t 0 && echo on-a-tty"] }, stdout, new MemoryStream());
            var text = Encoding.UTF8.GetString(stdout.ToArray());
            Assert.True(code == 0, text);
            Assert.Matches(@"^/dev/pts/\d+\r\non-a-tty\r\n$", text);

            var withoutTty = await D.CliAsync("exec", created.Id, "tty");
            Assert.Equal(1, withoutTty.ExitCode);
            Assert.Equal("not a tty\n", withoutTty.Stdout);
        }
        finally
        {
            await client.Containers.RemoveAsync(created.Id, force: true);
        }

        Assert.Empty(Vms.Of(D.RunDirectory));
    }
}
