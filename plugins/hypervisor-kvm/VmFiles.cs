namespace Flotilla.Hypervisor.Kvm;

/// <summary>Where one VM container keeps its files, all under the scratch directory the daemon gave it.</summary>
internal sealed record VmFiles(string Id, string Scratch)
{
    public string Upper => Path.Combine(Scratch, "upper");
    public string Work => Path.Combine(Scratch, "work");
    /// <summary>The overlay mount point shared with the guest as its root ("rootfs" 9p share).</summary>
    public string Rootfs => Path.Combine(Scratch, "rootfs");
    public string LowerDirs => Path.Combine(Scratch, "lowerdirs");
    public string Vm => Path.Combine(Scratch, "vm");
    /// <summary>The QEMU command line, written at create, run at start.</summary>
    public string Command => Path.Combine(Vm, "qemu.args");
    public string Initrd => Path.Combine(Vm, "initrd");
    /// <summary>
    /// QEMU's "pipe" chardev opens CHANNEL.in and CHANNEL.out read-write: .in is a FIFO the host writes frames to
    /// (QEMU holds both ends, so it never sees end of file and a writer can come at any time); .out is a plain file
    /// that receives every guest frame. The file is the container's log and holds its exit code: it survives a
    /// daemon restart without any monitor process.
    /// </summary>
    public string Channel => Path.Combine(Vm, "io");
    public string ChannelIn => Channel + ".in";
    public string ChannelOut => Channel + ".out";
    public string Console => Path.Combine(Vm, "console.log");
    /// <summary>
    /// QEMU listens here for the host's end of the exec port. The name is relative to <see cref="Vm"/> (QEMU's working
    /// directory): a scratch path is longer than the 108 bytes a socket address holds.
    /// </summary>
    public const string ExecSocketName = "exec.sock";
    public string ExecSocket => Path.Combine(Vm, ExecSocketName);
    /// <summary>The container's env, workdir and uid:gid, which an exec starts from (JSON, written at create).</summary>
    public string ExecDefaults => Path.Combine(Vm, "exec-defaults.json");
    /// <summary>QEMU's pid, written when it starts and kept: it also says the container was started.</summary>
    public string PidFile => Path.Combine(Vm, "pid");
    /// <summary>QEMU's own stdout and stderr: why it refused to start, if it did.</summary>
    public string QemuLog => Path.Combine(Vm, "qemu.log");
    /// <summary>Written before the host kills the VM: the exit is then 128+9, not a missing report.</summary>
    public string KilledMark => Path.Combine(Vm, "killed");
    /// <summary>Written when the boot watchdog killed the VM; holds the reason.</summary>
    public string FailedMark => Path.Combine(Vm, "failed");
    public string QemuName => "flotilla-" + Id;
}
