using System.Text;

namespace Flotilla.Guest;

/// <summary>One share the guest mounts: <see cref="Tag"/> names the 9p/virtiofs share ("rootfs" is the root).</summary>
public sealed record GuestMount(string Tag, string Target, bool ReadOnly);

/// <summary>The guest's eth0: an IPv4 address with its prefix length, the default gateway (null for none), the MTU.</summary>
public sealed record GuestNetwork(string Address, int PrefixLength, string? Gateway, int Mtu);

/// <summary>
/// What the guest's init runs, written as /flotilla/{argv,env,workdir,user,mounts} into a cpio that is appended to
/// the initramfs (the kernel command line would not keep the quoting).
/// </summary>
public sealed record RunConfig(
    IReadOnlyList<string> Args,
    IReadOnlyList<string> Env,
    string WorkingDir,
    uint Uid,
    uint Gid,
    IReadOnlyList<GuestMount> Mounts)
{
    public const string RootfsTag = "rootfs";

    /// <summary>How init configures eth0; null: the VM has no network card, only loopback.</summary>
    public GuestNetwork? Network { get; init; }

    public string? Hostname { get; init; }

    /// <summary>The command runs on a terminal the guest allocates (docker's -t).</summary>
    public bool Tty { get; init; }

    /// <summary>Files init binds over the container's /etc/NAME (hosts, resolv.conf, hostname), as a namespace container gets them.</summary>
    public IReadOnlyDictionary<string, string> EtcFiles { get; init; } = new Dictionary<string, string>();

    public void WriteCpio(Stream output)
    {
        if (Args.Count == 0)
            throw new ArgumentException("the command (argv) is empty", nameof(Args));
        foreach (var value in Args.Concat(Env))
            if (value.Contains('\0'))
                throw new ArgumentException($"argv and env entries cannot contain NUL: \"{value.Replace("\0", "\\0")}\"");
        if (!Mounts.Any(m => m.Tag == RootfsTag))
            throw new ArgumentException($"no mount has the tag {RootfsTag}", nameof(Mounts));
        foreach (var m in Mounts)
            if (m.Tag.Any(char.IsWhiteSpace) || m.Target.Any(char.IsWhiteSpace) || !m.Target.StartsWith('/'))
                throw new ArgumentException($"mount \"{m.Tag}\" on \"{m.Target}\": the tag and the absolute target path cannot contain spaces in a VM");

        var cpio = new CpioWriter(output);
        cpio.AddDirectory("flotilla");
        cpio.AddFile("flotilla/argv", NulSeparated(Args));
        cpio.AddFile("flotilla/env", NulSeparated(Env));
        cpio.AddFile("flotilla/workdir", WorkingDir + "\n");
        cpio.AddFile("flotilla/user", $"{Uid}:{Gid}\n");
        cpio.AddFile("flotilla/mounts", string.Concat(Mounts.Select(m => $"{m.Tag} {m.Target} {(m.ReadOnly ? "ro" : "rw")}\n")));
        if (Network is { } n)
        {
            cpio.AddFile("flotilla/net", $"{n.Address} {n.PrefixLength} {n.Gateway ?? "-"} {n.Mtu}\n");
        }

        if (Tty)
        {
            cpio.AddFile("flotilla/tty", "");
        }

        if (Hostname is { } hostname)
        {
            cpio.AddFile("flotilla/hostname", hostname + "\n");
        }

        if (EtcFiles.Count > 0)
        {
            cpio.AddDirectory("flotilla/etc");
            foreach (var (name, content) in EtcFiles)
            {
                cpio.AddFile("flotilla/etc/" + name, content);
            }
        }

        cpio.Finish();
    }

    private static byte[] NulSeparated(IEnumerable<string> values) =>
        Encoding.UTF8.GetBytes(string.Concat(values.Select(v => v + "\0")));
}
