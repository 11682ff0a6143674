using Flotilla.Guest;
using Flotilla.Hypervisor.Vm;
using Flotilla.Plugins;

namespace Flotilla.Hypervisors.Tests;

public sealed class HostSideTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("flotilla-vmtest-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData(0, 0, 512, 1)]
    [InlineData(128L << 20, 500_000_000, 128, 1)]
    [InlineData((100L << 20) + 1, 2_500_000_000, 102, 2)] // rounded up to whole 2 MiB pages; CPUs capped at the host's 2
    [InlineData(64L << 20, 1_000_000_000, 64, 1)]
    public void Limits_size_the_vm(long memory, long nanoCpus, int expectedMiB, int expectedCpus)
    {
        Assert.Equal((expectedMiB, expectedCpus), VmSizing.From(new ResourceLimits(memory, nanoCpus), 512, hostCpus: 2));
    }

    [Fact]
    public void Memory_below_the_guest_minimum_is_refused_with_what_to_give()
    {
        var e = Assert.Throws<PluginException>(() => VmSizing.From(new ResourceLimits(32L << 20), 512, 2));
        Assert.Equal(PluginErrorKind.InvalidInput, e.Kind);
        Assert.Contains("--memory 64m", e.Message);
    }

    [Fact]
    public void Layers_merge_upper_over_lower_with_oci_whiteouts()
    {
        var lower = Layer("lower", ("etc/passwd", "root:x:0:0"), ("etc/gone", "x"), ("opt/a", "a"), ("opt/b", "b"), ("bin/sh", "sh"));
        var upper = Layer("upper", ("etc/passwd", "root:x:0:0\napp:x:1000:100"), ("etc/.wh.gone", ""), ("opt/.wh..wh..opq", ""), ("opt/c", "c"));
        var root = Path.Combine(_dir.FullName, "root");

        RootfsBuilder.Build([lower, upper], root);

        Assert.Equal("root:x:0:0\napp:x:1000:100", File.ReadAllText(Path.Combine(root, "etc/passwd")));
        Assert.False(File.Exists(Path.Combine(root, "etc/gone")));
        Assert.False(File.Exists(Path.Combine(root, "etc/.wh.gone")));
        Assert.Equal(["c"], Directory.GetFiles(Path.Combine(root, "opt")).Select(Path.GetFileName));
        Assert.Equal("sh", File.ReadAllText(Path.Combine(root, "bin/sh")));
    }

    [Fact]
    public void A_symlink_from_a_lower_layer_is_replaced_never_followed_out_of_the_root()
    {
        var outside = Directory.CreateDirectory(Path.Combine(_dir.FullName, "outside")).FullName;
        var lower = Layer("lower");
        File.CreateSymbolicLink(Path.Combine(lower, "etc"), outside);
        File.CreateSymbolicLink(Path.Combine(lower, "motd"), Path.Combine(outside, "motd"));
        var upper = Layer("upper", ("etc/hosts", "h"), ("motd", "m"));
        var root = Path.Combine(_dir.FullName, "root");

        RootfsBuilder.Build([lower, upper], root);

        Assert.Empty(Directory.GetFileSystemEntries(outside));
        Assert.Equal("h", File.ReadAllText(Path.Combine(root, "etc/hosts")));
        Assert.Null(new FileInfo(Path.Combine(root, "motd")).LinkTarget);
    }

    [Fact]
    public void Users_resolve_against_the_merged_root()
    {
        var root = Layer("root", ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:100::/home/app:/bin/sh"), ("etc/group", "root:x:0:\nstaff:x:50:"));

        Assert.Equal((0u, 0u), UserIds.Resolve(null, root));
        Assert.Equal((1000u, 100u), UserIds.Resolve("app", root));
        Assert.Equal((1000u, 100u), UserIds.Resolve("1000", root));
        Assert.Equal((1000u, 50u), UserIds.Resolve("app:staff", root));
        Assert.Equal((4242u, 7u), UserIds.Resolve("4242:7", root));
        Assert.Contains("unable to find user nobody", Assert.Throws<PluginException>(() => UserIds.Resolve("nobody", root)).Message);
    }

    [Fact]
    public void Frame_log_reads_back_complete_records_only()
    {
        var log = new FrameLog(Path.Combine(_dir.FullName, "output.log"));
        var time = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);
        log.Append(StdStream.Stdout, time, "out\n"u8);
        log.Append(StdStream.Stderr, time, "err\n"u8);
        File.AppendAllText(log.Path, "\u0001partial");

        long offset = 0;
        var entries = log.ReadFrom(ref offset);

        Assert.Equal([StdStream.Stdout, StdStream.Stderr], entries.Select(e => e.Stream));
        Assert.Equal("err\n", System.Text.Encoding.UTF8.GetString(entries[1].Data.Span));
        Assert.Equal(time, entries[0].Time);
        Assert.Empty(log.ReadFrom(ref offset));
    }

    private string Layer(string name, params (string Path, string Text)[] files)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_dir.FullName, name)).FullName;
        foreach (var (path, text) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dir, path))!);
            File.WriteAllText(Path.Combine(dir, path), text);
        }

        return dir;
    }
}
