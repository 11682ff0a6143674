using System.Text;
using Flotilla.Hypervisor.Vm;
using Flotilla.Hypervisor.Vm.Guest;

namespace Flotilla.Hypervisors.Tests;

public sealed class GuestContractTests
{
    [Fact]
    public void Config_cpio_holds_the_flotilla_files_nul_separated()
    {
        var config = new GuestConfig
        {
            Args = ["sh", "-c", "echo 'a b'"],
            Env = ["PATH=/bin", "X=1 2"],
            WorkingDir = "/srv",
            User = "1000:100",
            Mounts = [new("rootfs", "/", false), new("vol0", "/data", true)],
            Transport = new GuestTransport(1024, "virtiofs", ["virtiofs"]),
        };

        var files = CpioReader.Read(config.ToCpio());

        Assert.Contains("flotilla", files.Keys);
        Assert.Equal("sh\0-c\0echo 'a b'\0", Text(files["flotilla/argv"]));
        Assert.Equal("PATH=/bin\0X=1 2\0", Text(files["flotilla/env"]));
        Assert.Equal("/srv", Text(files["flotilla/workdir"]));
        Assert.Equal("1000:100", Text(files["flotilla/user"]));
        Assert.Equal("rootfs / rw\nvol0 /data ro\n", Text(files["flotilla/mounts"]));
        Assert.Equal("channel vsock-connect 2 1024\nshares virtiofs\nmodules virtiofs\n", Text(files["flotilla/transport"]));
    }

    [Fact]
    public void Config_cpio_is_read_by_the_real_cpio_tool()
    {
        var dir = Directory.CreateTempSubdirectory("flotilla-cpio-");
        try
        {
            var archive = Path.Combine(dir.FullName, "config.cpio");
            File.WriteAllBytes(archive, new GuestConfig { Args = ["true"] }.ToCpio());
            var psi = new System.Diagnostics.ProcessStartInfo("cpio", ["-i", "-d", "--quiet", "-F", archive]) { WorkingDirectory = dir.FullName, RedirectStandardError = true };
            using var cpio = System.Diagnostics.Process.Start(psi)!;
            cpio.WaitForExit();
            Assert.True(cpio.ExitCode == 0, cpio.StandardError.ReadToEnd());
            Assert.Equal("true\0", File.ReadAllText(Path.Combine(dir.FullName, "flotilla", "argv")));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Frames_round_trip_with_dockers_header()
    {
        var stream = new MemoryStream();
        await new GuestFrame(GuestFrameType.Stdout, "hi"u8.ToArray()).WriteAsync(stream, default);
        await GuestFrame.Int32(GuestFrameType.Exit, 3).WriteAsync(stream, default);

        Assert.Equal([1, 0, 0, 0, 0, 0, 0, 2, (byte)'h', (byte)'i', 3, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 3], stream.ToArray());
        stream.Position = 0;
        var first = await GuestFrame.ReadAsync(stream, default);
        var second = await GuestFrame.ReadAsync(stream, default);
        Assert.Equal("hi", Text(first!.Value.Payload.ToArray()));
        Assert.Equal(3, second!.Value.ReadInt32());
        Assert.Null(await GuestFrame.ReadAsync(stream, default));
    }

    [Fact]
    public async Task A_malformed_or_cut_frame_is_an_error_not_output()
    {
        await Assert.ThrowsAsync<InvalidDataException>(async () => await GuestFrame.ReadAsync(new MemoryStream([9, 0, 0, 0, 0, 0, 0, 0]), default));
        await Assert.ThrowsAsync<InvalidDataException>(async () => await GuestFrame.ReadAsync(new MemoryStream([1, 0, 0, 0, 0x7f, 0, 0, 0]), default));
        await Assert.ThrowsAsync<InvalidDataException>(async () => await GuestFrame.ReadAsync(new MemoryStream([1, 0, 0]), default));
    }

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
