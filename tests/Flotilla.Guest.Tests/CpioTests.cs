using System.Diagnostics;
using System.Text;
using Flotilla.Guest;

namespace Flotilla.Guest.Tests;

public sealed class CpioTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flotilla-cpio-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Run_config_unpacks_with_gnu_cpio_into_the_files_init_reads()
    {
        var config = new RunConfig(
            ["sh", "-c", "echo \"a b\" 'c'\n"],
            ["PATH=/bin", "EMPTY=", "UNICODE=é"],
            "/srv/app",
            1000,
            100,
            [new GuestMount("rootfs", "/", false), new GuestMount("vol0", "/data", true)]);

        Unpack(config);

        Assert.Equal("sh\0-c\0echo \"a b\" 'c'\n\0", Read("flotilla/argv"));
        Assert.Equal("PATH=/bin\0EMPTY=\0UNICODE=é\0", Read("flotilla/env"));
        Assert.Equal("/srv/app\n", Read("flotilla/workdir"));
        Assert.Equal("1000:100\n", Read("flotilla/user"));
        Assert.Equal("rootfs / rw\nvol0 /data ro\n", Read("flotilla/mounts"));
        Assert.False(File.Exists(Path.Combine(_dir, "out", "flotilla", "net")));
    }

    [Fact]
    public void Network_hostname_and_etc_files_are_written_for_init()
    {
        var config = new RunConfig(["true"], [], "/", 0, 0, [new GuestMount("rootfs", "/", false)])
        {
            Network = new GuestNetwork("10.1.2.3", 24, "10.1.2.1", 1500),
            Hostname = "abc",
            EtcFiles = new Dictionary<string, string> { ["resolv.conf"] = "nameserver 10.1.2.1\n" },
        };

        Unpack(config);

        Assert.Equal("10.1.2.3 24 10.1.2.1 1500\n", Read("flotilla/net"));
        Assert.Equal("abc\n", Read("flotilla/hostname"));
        Assert.Equal("nameserver 10.1.2.1\n", Read("flotilla/etc/resolv.conf"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Entries_of_every_length_stay_aligned(int extra)
    {
        var data = Encoding.ASCII.GetBytes(new string('x', 5 + extra));
        using (var output = File.Create(Path.Combine(_dir, "a.cpio")))
        {
            var cpio = new CpioWriter(output);
            cpio.AddDirectory("d");
            cpio.AddFile("d/" + new string('n', 1 + extra), data, 0x1ED);
            cpio.AddFile("d/after", "tail");
            cpio.Finish();
            Assert.Equal(0, output.Length % 4);
        }

        Cpio("-idm", Path.Combine(_dir, "a.cpio"));
        Assert.Equal(data, File.ReadAllBytes(Path.Combine(_dir, "out", "d", new string('n', 1 + extra))));
        Assert.Equal("tail", Read("d/after"));
        Assert.True(File.GetUnixFileMode(Path.Combine(_dir, "out", "d", new string('n', 1 + extra))).HasFlag(UnixFileMode.UserExecute));
    }

    [Fact]
    public void Bad_input_is_refused_with_what_was_wrong()
    {
        var ok = new GuestMount("rootfs", "/", false);
        var empty = Assert.Throws<ArgumentException>(() => new RunConfig([], [], "/", 0, 0, [ok]).WriteCpio(Stream.Null));
        Assert.Contains("argv", empty.Message);
        var nul = Assert.Throws<ArgumentException>(() => new RunConfig(["a\0b"], [], "/", 0, 0, [ok]).WriteCpio(Stream.Null));
        Assert.Contains("NUL", nul.Message);
        var noRoot = Assert.Throws<ArgumentException>(() => new RunConfig(["true"], [], "/", 0, 0, []).WriteCpio(Stream.Null));
        Assert.Contains("rootfs", noRoot.Message);
        var space = Assert.Throws<ArgumentException>(() => new RunConfig(["true"], [], "/", 0, 0, [ok, new("v", "/a b", false)]).WriteCpio(Stream.Null));
        Assert.Contains("/a b", space.Message);
        Assert.Throws<ArgumentException>(() => new CpioWriter(Stream.Null).AddFile("../escape", "x"));
    }

    private void Unpack(RunConfig config)
    {
        var path = Path.Combine(_dir, "run.cpio");
        using (var output = File.Create(path))
            config.WriteCpio(output);
        Cpio("-idm", path);
    }

    private void Cpio(string mode, string archive)
    {
        var outDir = Directory.CreateDirectory(Path.Combine(_dir, "out")).FullName;
        var psi = new ProcessStartInfo("cpio", [mode, "--quiet", "--no-absolute-filenames", "-F", archive])
        {
            WorkingDirectory = outDir,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"cpio {mode} failed: {err}");
    }

    private string Read(string relative) => File.ReadAllText(Path.Combine(_dir, "out", relative));
}
