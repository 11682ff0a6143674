using System.Net;
using Flotilla.Client;
using Flotilla.Client.Models;
using Flotilla.Tests.Harness;

namespace Flotilla.Tests.EndToEnd;

/// <summary>HostConfig.Mounts, docker's structured mounts, through `run --mount` and the SDK.</summary>
[Collection("daemon")]
public sealed class MountTests(SharedDaemon shared)
{
    private Daemon D => shared.Daemon;

    [Fact]
    public async Task Tmpfs_mount_is_a_tmpfs_with_its_size_and_mode()
    {
        var run = await D.CliAsync("run", "--rm", "--mount", "type=tmpfs,target=/scratch,tmpfs-size=4m,tmpfs-mode=1770", "busybox",
            "sh", "-c", "grep ' /scratch ' /proc/mounts; stat -c %a /scratch; echo x > /scratch/f && cat /scratch/f");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("tmpfs /scratch tmpfs", run.Stdout);
        Assert.Contains("size=4096k", run.Stdout);
        Assert.Contains("\n1770\n", run.Stdout);
        Assert.EndsWith("x\n", run.Stdout);
    }

    [Fact]
    public async Task Volume_mount_keeps_data_and_bind_mount_can_be_read_only()
    {
        var volume = D.Name + "-mnt";
        var dir = Path.Combine(D.RunDirectory, "mount-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "host.txt"), "from host\n");
        try
        {
            var write = await D.CliAsync("run", "--rm", "--mount", $"type=volume,source={volume},target=/d", "busybox", "sh", "-c", "echo kept > /d/f");
            Assert.True(write.ExitCode == 0, write.ToString());
            var read = await D.CliAsync("run", "--rm", "--mount", $"source={volume},target=/d,readonly", "--mount", $"type=bind,src={dir},dst=/h,ro",
                "busybox", "sh", "-c", "cat /d/f /h/host.txt; echo no > /h/new || echo refused; echo no > /d/g || echo refused");
            Assert.True(read.ExitCode == 0, read.ToString());
            Assert.Equal("kept\nfrom host\nrefused\nrefused\n", read.Stdout);
            Assert.False(File.Exists(Path.Combine(dir, "new")));
        }
        finally
        {
            await D.CliAsync("volume", "rm", volume);
        }
    }

    [Fact]
    public async Task Bind_mount_of_a_missing_source_is_refused()
    {
        var missing = Path.Combine(D.RunDirectory, "no-such-dir");
        var run = await D.CliAsync("run", "--rm", "--mount", $"type=bind,source={missing},target=/m", "busybox", "true");
        Assert.Equal(125, run.ExitCode);
        Assert.Contains("bind source path does not exist", run.Stderr);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task Unsupported_mount_type_is_a_bad_request_naming_it()
    {
        using var client = new FlotillaClient(new FlotillaClientOptions { Host = D.Host });
        var before = (await client.Containers.ListAsync(all: true)).Count;
        var e = await Assert.ThrowsAsync<FlotillaApiException>(() => client.Containers.CreateAsync(new ContainerCreateRequest
        {
            Image = "busybox",
            Cmd = ["true"],
            HostConfig = new HostConfig { Mounts = [new Mount { Type = "npipe", Source = @"\\.\pipe\x", Target = "/p" }] },
        }));
        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
        Assert.Contains("\"npipe\"", e.Message);
        Assert.Equal(before, (await client.Containers.ListAsync(all: true)).Count);

        var cli = await D.CliAsync("run", "--rm", "--mount", "type=tmpfs,target=/t,colour=blue", "busybox", "true");
        Assert.Equal(125, cli.ExitCode);
        Assert.Contains("colour", cli.Stderr);
    }
}
