using Flotilla.Hypervisor.MacOS;
using Flotilla.Hypervisor.Vm;
using Flotilla.Plugins;

namespace Flotilla.Hypervisors.Tests;

public sealed class VfkitCommandLineTests
{
    private static VmRequest Request(string rootfs = "/Users/u/flotilla/c/rootfs") => new(
        "0123456789abcdef",
        "/Users/u/flotilla/vmlinux",
        "/Users/u/flotilla/c/initrd.img",
        256,
        3,
        [new VmShare("rootfs", rootfs, false), new VmShare("vol0", "/Users/u/data", true)],
        "/Users/u/flotilla/c");

    [Fact]
    public void Command_line_boots_linux_with_limits_virtiofs_shares_and_a_listening_vsock_channel()
    {
        var request = Request();
        var args = VfkitCommandLine.Build(request, VfkitPaths.For(request, "/var/run/flotilla/plugins/hypervisor-macos"));

        Assert.Equal(
        [
            "--cpus", "3",
            "--memory", "256",
            "--bootloader", "linux,kernel=/Users/u/flotilla/vmlinux,initrd=/Users/u/flotilla/c/initrd.img,cmdline=\"console=hvc0 quiet panic=-1 flotilla.channel=vsock:1024 flotilla.fs=virtiofs\"",
            "--device", "virtio-fs,sharedDir=/Users/u/flotilla/c/rootfs,mountTag=rootfs",
            "--device", "virtio-fs,sharedDir=/Users/u/data,mountTag=vol0",
            "--device", "virtio-vsock,port=1024,socketURL=/var/run/flotilla/plugins/hypervisor-macos/0123456789ab.sock,listen",
            "--device", "virtio-serial,logFilePath=/Users/u/flotilla/c/console.log",
            "--device", "virtio-rng",
        ], args);
    }

    [Fact]
    public void A_path_with_a_comma_is_refused_by_name()
    {
        var request = Request("/Users/u/a,b");
        var e = Assert.Throws<PluginException>(() => VfkitCommandLine.Build(request, VfkitPaths.For(request, "/run")));
        Assert.Equal(PluginErrorKind.InvalidInput, e.Kind);
        Assert.Contains("/Users/u/a,b", e.Message);
    }

    [Fact]
    public void Off_macos_the_host_is_unsupported_and_without_vfkit_it_says_how_to_get_it()
    {
        Assert.Equal("needs macOS 12+ with vfkit", new MacOSHost("/usr/local/bin/vfkit", "/run", new SystemProcessLauncher(), isMacOS: false).UnsupportedReason);
        Assert.Contains("brew install vfkit", new MacOSHost(null, "/run", new SystemProcessLauncher(), isMacOS: true).UnsupportedReason);
        Assert.Null(new MacOSHost("/usr/local/bin/vfkit", "/run", new SystemProcessLauncher(), isMacOS: true).UnsupportedReason);
    }
}
