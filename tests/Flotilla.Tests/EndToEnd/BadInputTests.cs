using Flotilla.Tests.Harness;

namespace Flotilla.Tests.EndToEnd;

[Collection("daemon")]
public sealed class BadInputTests(SharedDaemon shared)
{
    private Daemon D => shared.Daemon;

    [Fact]
    public async Task Unknown_image_exits_125_and_names_it()
    {
        // Never from Docker Hub in a test: not pulled at all, or from a registry on loopback that is not there.
        var run = await D.CliAsync("run", "--rm", "--pull", "never", "no-such-image-here", "true");
        Assert.Equal(125, run.ExitCode);
        Assert.Contains("no-such-image-here", run.Stderr);
        var refused = await D.CliAsync("run", "--rm", "127.0.0.1:9/no-such-image-here", "true");
        Assert.Equal(125, refused.ExitCode);
        Assert.Contains("no-such-image-here", refused.Stderr);
    }

    [Fact]
    public async Task Malformed_reference_is_refused()
    {
        var run = await D.CliAsync("run", "--rm", "BusyBox:Latest!", "true");
        Assert.Equal(125, run.ExitCode);
        Assert.Contains("invalid reference format", run.Stderr);
    }

    [Fact]
    public async Task Unknown_container_is_reported()
    {
        foreach (var verb in new[] { "stop", "kill", "rm", "logs", "wait" })
        {
            var r = await D.CliAsync(verb, "no-such-container-xyz");
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("No such container: no-such-container-xyz", r.Stderr);
        }

        // inspect looks for any object of that name, as docker's does.
        var inspect = await D.CliAsync("inspect", "no-such-container-xyz");
        Assert.NotEqual(0, inspect.ExitCode);
        Assert.Contains("No such object: no-such-container-xyz", inspect.Stderr);
    }

    [Fact]
    public async Task Tar_slip_import_is_refused_and_writes_nothing_outside()
    {
        var work = Path.Combine(D.RunDirectory, "slip-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(work);
        var victim = Path.Combine(D.RunDirectory, "victim");
        var cases = new Dictionary<string, Action<System.Formats.Tar.TarWriter>>
        {
            ["dotdot"] = w => AddFile(w, "../../victim/escaped", "x"),
            ["absolute"] = w => AddFile(w, victim + "/absolute", "x"),
            ["symlink"] = w =>
            {
                w.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.SymbolicLink, "link") { LinkName = victim });
                AddFile(w, "link/through-symlink", "x");
            },
            ["hardlink"] = w => w.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.HardLink, "hard") { LinkName = "../../../../../etc/passwd" }),
        };

        foreach (var (label, write) in cases)
        {
            Directory.CreateDirectory(victim);
            var tarball = Path.Combine(work, label + ".tar");
            await using (var file = File.Create(tarball))
            await using (var tar = new System.Formats.Tar.TarWriter(file))
            {
                AddFile(tar, "ok.txt", "fine");
                write(tar);
            }

            var import = await D.CliAsync("image", "import", tarball, $"slip-{label}:latest");
            Assert.True(import.ExitCode != 0, $"{label}: {import}");
            Assert.Empty(Directory.GetFileSystemEntries(victim));
            Assert.DoesNotContain($"slip-{label}", (await D.CliAsync("images")).Stdout);
        }
    }

    [Fact]
    public async Task Cli_says_when_the_daemon_is_not_running()
    {
        var r = await Run.ProcessAsync(Repo.Cli, ["ps"], new Dictionary<string, string> { ["FLOTILLA_HOST"] = "unix:///tmp/no-such-flotilla.sock" });
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Is flotillad running?", r.Stderr);
    }

    [Fact]
    public async Task Rmi_of_an_image_in_use_is_refused()
    {
        var name = D.Name + "-imguser";
        var run = await D.CliAsync("run", "-d", "--name", name, "busybox", "sleep", "300");
        try
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            var rmi = await D.CliAsync("rmi", "busybox");
            Assert.NotEqual(0, rmi.ExitCode);
            Assert.Contains("busybox", (await D.CliAsync("images")).Stdout);
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }

    private static void AddFile(System.Formats.Tar.TarWriter w, string name, string content) =>
        w.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)),
        });
}
