using System.Text;

namespace Flotilla.Hypervisor.Vm.Guest;

/// <summary>
/// The per-run config the guest init reads from <c>/flotilla/</c>: a cpio (newc) archive appended to the base
/// initramfs (the kernel unpacks concatenated archives in order). The contract is shared with the KVM plugin's
/// guest (plugins/guest/init.c); this writer is the seam until plugins/guest's own writer is merged.
/// </summary>
public sealed record GuestConfig
{
    public required IReadOnlyList<string> Args { get; init; }

    public IReadOnlyList<string> Env { get; init; } = [];

    public string WorkingDir { get; init; } = "/";

    /// <summary>"uid:gid", already numeric.</summary>
    public string User { get; init; } = "0:0";

    /// <summary>Lines "TAG TARGET ro|rw"; the root filesystem's tag is "rootfs".</summary>
    public IReadOnlyList<GuestMount> Mounts { get; init; } = [];

    /// <summary>Written as <c>/flotilla/transport</c> when the hypervisor is not KVM's.</summary>
    public GuestTransport? Transport { get; init; }

    public byte[] ToCpio()
    {
        var cpio = new CpioWriter();
        cpio.Directory("flotilla");
        cpio.File("flotilla/argv", NulSeparated(Args));
        cpio.File("flotilla/env", NulSeparated(Env));
        cpio.File("flotilla/workdir", Encoding.UTF8.GetBytes(WorkingDir));
        cpio.File("flotilla/user", Encoding.UTF8.GetBytes(User));
        cpio.File("flotilla/mounts", Encoding.UTF8.GetBytes(string.Concat(Mounts.Select(m => $"{m.Tag} {m.Target} {(m.ReadOnly ? "ro" : "rw")}\n"))));
        if (Transport is not null)
        {
            cpio.File("flotilla/transport", Encoding.UTF8.GetBytes(Transport.Render()));
        }

        return cpio.Finish();
    }

    private static byte[] NulSeparated(IEnumerable<string> items) =>
        Encoding.UTF8.GetBytes(string.Concat(items.Select(i => i + "\0")));
}

public sealed record GuestMount(string Tag, string Target, bool ReadOnly);
