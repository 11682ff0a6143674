using Flotilla.Tests.Harness;

namespace Flotilla.Tests.EndToEnd;

[Collection("daemon")]
public sealed class VolumeTests(SharedDaemon shared)
{
    private Daemon D => shared.Daemon;

    [Fact]
    public async Task Named_volume_keeps_data_between_runs()
    {
        var volume = D.Name + "-data";
        try
        {
            var write = await D.CliAsync("run", "--rm", "-v", $"{volume}:/d", "busybox", "sh", "-c", "echo x > /d/f");
            Assert.True(write.ExitCode == 0, write.ToString());
            var read = await D.CliAsync("run", "--rm", "-v", $"{volume}:/d", "busybox", "cat", "/d/f");
            Assert.Equal("x\n", read.Stdout);

            var ls = await D.CliAsync("volume", "ls");
            Assert.Contains(volume, ls.Stdout);
        }
        finally
        {
            await D.CliAsync("volume", "rm", volume);
        }

        Assert.DoesNotContain(volume, (await D.CliAsync("volume", "ls")).Stdout);
    }

    [Fact]
    public async Task Bind_mount_shows_host_files_and_read_only_is_enforced()
    {
        var dir = Path.Combine(D.RunDirectory, "bind-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "hello.txt"), "from host\n");

        var read = await D.CliAsync("run", "--rm", "-v", $"{dir}:/h:ro", "busybox", "cat", "/h/hello.txt");
        Assert.Equal("from host\n", read.Stdout);
        var write = await D.CliAsync("run", "--rm", "-v", $"{dir}:/h:ro", "busybox", "sh", "-c", "echo no > /h/new");
        Assert.NotEqual(0, write.ExitCode);
        Assert.False(File.Exists(Path.Combine(dir, "new")));
    }

    [Fact]
    public async Task Volume_in_use_cannot_be_removed()
    {
        var volume = D.Name + "-busy";
        var name = D.Name + "-volume-user";
        var run = await D.CliAsync("run", "-d", "--name", name, "-v", $"{volume}:/d", "busybox", "sleep", "300");
        try
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            var rm = await D.CliAsync("volume", "rm", volume);
            Assert.NotEqual(0, rm.ExitCode);
            Assert.Contains("in use", rm.Stderr);
            Assert.Contains(volume, (await D.CliAsync("volume", "ls")).Stdout);
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
            await D.CliAsync("volume", "rm", volume);
        }
    }

    [Fact]
    public async Task Bad_volume_name_is_refused()
    {
        var create = await D.CliAsync("volume", "create", "bad/name");
        Assert.NotEqual(0, create.ExitCode);
        Assert.Contains("bad/name", create.Stderr);
    }
}
