using System.Globalization;

namespace Flotilla.Hypervisor.Kvm;

/// <summary>One share of a host directory with the guest over virtio-9p.</summary>
internal sealed record HostShare(string Tag, string HostPath, bool ReadOnly);

/// <summary>The VM's network card: QEMU runs in <see cref="Namespace"/> and opens the tap there; the card takes <see cref="Mac"/>.</summary>
internal sealed record VmNetwork(string Namespace, string Tap, string Mac);

/// <summary>
/// The QEMU command line of one container's VM: a microvm (no firmware, no PCI, virtio over MMIO) that boots the
/// uncompressed kernel directly (PVH), with the channel and the exec port on virtio-console ports and the shares
/// over virtio-9p. QEMU runs in the VM's directory (<see cref="VmFiles.Vm"/>): the exec socket's path is relative to it.
/// </summary>
internal static class QemuCommand
{
    /// <summary>QEMU's isa-debug-exit port: init writes the exit code there to power off at once.</summary>
    public const int DebugExitPort = 0xf4;

    /// <summary>The virtio-console port that carries exec sessions (init.c's flotilla.exec).</summary>
    public const string ExecPortName = "flotilla.exec";

    public static List<string> Build(string qemu, VmFiles files, string kernel, bool kvm, long tscKhz, long memoryBytes, int cpus, IReadOnlyList<HostShare> shares, VmNetwork? network = null)
    {
        var append = $"console=ttyS0 loglevel=1 panic=-1 flotilla.debugexit=0x{DebugExitPort:x} flotilla.exec=virtio:{ExecPortName}";
        if (!kvm)
        {
            // Without KVM the guest calibrates its TSC against a PIT that TCG emulates too slowly: microvm hangs in a
            // fifth to a third of boots. Under TCG the guest's TSC is the host's, so the host's rate is the right one.
            append += " tsc_early_khz=" + tscKhz.ToString(CultureInfo.InvariantCulture);
        }

        List<string> argv =
        [
            qemu,
            "-name", files.QemuName,
            "-M", "microvm,x-option-roms=off,pit=off,pic=off",
            "-accel", kvm ? "kvm" : "tcg",
            // TCG's default CPU model boots faster than "max"; under KVM the guest gets the host's.
            .. (kvm ? new[] { "-cpu", "host" } : []),
            "-m", $"{memoryBytes / (1024 * 1024)}M",
            "-smp", cpus.ToString(CultureInfo.InvariantCulture),
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-kernel", kernel,
            "-initrd", files.Initrd,
            "-append", append,
            // Panics only (loglevel=1): the serial port is slow, and the channel carries the output.
            "-serial", "file:" + files.Console,
            "-device", $"isa-debug-exit,iobase=0x{DebugExitPort:x},iosize=4",
            "-device", "virtio-serial-device",
            "-chardev", $"pipe,id=io,path={Escape(files.Channel)}",
            "-device", "virtserialport,chardev=io,name=flotilla.io",
            // The exec port: a socket the host connects to when it runs an exec (the guest multiplexes sessions).
            "-chardev", $"socket,id=exec,path={VmFiles.ExecSocketName},server=on,wait=off",
            "-device", $"virtserialport,chardev=exec,name={ExecPortName}",
        ];
        for (var i = 0; i < shares.Count; i++)
        {
            var s = shares[i];
            argv.Add("-fsdev");
            argv.Add($"local,id=fs{i},path={Escape(s.HostPath)},security_model=passthrough{(s.ReadOnly ? ",readonly=on" : "")}");
            argv.Add("-device");
            argv.Add($"virtio-9p-device,fsdev=fs{i},mount_tag={s.Tag}");
        }

        if (network is not null)
        {
            argv.InsertRange(0, ["nsenter", "--net=" + network.Namespace]);
            argv.Add("-netdev");
            argv.Add($"tap,id=net0,ifname={network.Tap},script=no,downscript=no");
            argv.Add("-device");
            argv.Add($"virtio-net-device,netdev=net0,mac={network.Mac}");
        }

        return argv;
    }

    /// <summary>QEMU option values separate keys with commas; a literal comma is written twice.</summary>
    public static string Escape(string value) => value.Replace(",", ",,");

    /// <summary>vCPUs for docker's NanoCpus: whole CPUs, rounded up, at least one.</summary>
    public static int Cpus(long nanoCpus) => nanoCpus <= 0 ? 1 : (int)Math.Max(1, (nanoCpus + 999_999_999) / 1_000_000_000);
}
