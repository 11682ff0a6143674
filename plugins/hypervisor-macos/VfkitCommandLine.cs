using Flotilla.Hypervisor.Vm;
using Flotilla.Plugins;

namespace Flotilla.Hypervisor.MacOS;

/// <summary>
/// vfkit's arguments for one container's VM (crc-org/vfkit doc/usage.md): Linux kernel boot with the per-run
/// initrd, RAM and vCPUs from the container's limits, a virtio-fs share per mount, the channel on virtio-vsock.
/// </summary>
public static class VfkitCommandLine
{
    /// <summary>The guest connects to the host (CID 2) on this vsock port; vfkit hands the connection to our unix socket.</summary>
    public const uint ChannelPort = 1024;

    /// <summary>
    /// hvc0 is Apple's virtio console; the guest powers off rather than reboots after a panic; the guest init
    /// connects its channel over vsock and mounts the shares as virtio-fs.
    /// </summary>
    public static readonly string KernelCommandLine = $"console=hvc0 quiet panic=-1 flotilla.channel=vsock:{ChannelPort} flotilla.fs=virtiofs";

    public static IReadOnlyList<string> Build(VmRequest request, VfkitPaths paths)
    {
        foreach (var path in new[] { request.Kernel, request.Initrd, paths.ChannelSocket, paths.ConsoleLog }.Concat(request.Shares.Select(s => s.HostPath)))
        {
            // vfkit splits device options on commas and has no escaping.
            if (path.Contains(','))
            {
                throw new PluginException($"the path {path} contains a comma, which vfkit cannot take in its options: move it to a path without commas", PluginErrorKind.InvalidInput);
            }
        }

        var args = new List<string>
        {
            "--cpus", request.Cpus.ToString(),
            "--memory", request.MemoryMiB.ToString(),
            "--bootloader", $"linux,kernel={request.Kernel},initrd={request.Initrd},cmdline=\"{KernelCommandLine}\"",
        };
        foreach (var share in request.Shares)
        {
            // Apple's virtio-fs device has no read-only flag through vfkit: the guest mounts read-only shares with ro.
            args.AddRange(["--device", $"virtio-fs,sharedDir={share.HostPath},mountTag={share.Tag}"]);
        }

        args.AddRange(
        [
            "--device", $"virtio-vsock,port={ChannelPort},socketURL={paths.ChannelSocket},listen",
            "--device", $"virtio-serial,logFilePath={paths.ConsoleLog}",
            "--device", "virtio-rng",
        ]);
        return args;
    }
}

/// <param name="ChannelSocket">The unix socket we listen on; vfkit connects to it when the guest connects its vsock port.</param>
/// <param name="ConsoleLog">The guest's console (boot messages), for when a guest does not come up.</param>
public sealed record VfkitPaths(string ChannelSocket, string ConsoleLog)
{
    /// <summary>The socket sits in the short run directory: macOS limits socket paths to 104 bytes.</summary>
    public static VfkitPaths For(VmRequest request, string socketDirectory) =>
        new(Path.Combine(socketDirectory, request.Id[..Math.Min(12, request.Id.Length)] + ".sock"), Path.Combine(request.StateDirectory, "console.log"));
}
