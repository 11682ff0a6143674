using Flotilla.Hypervisor.Vm;

namespace Flotilla.Hypervisor.HyperV;

/// <summary>
/// The HCS documents for one container's utility VM, shaped as hcsshim's MakeLCOWDoc and AddPlan9 make them
/// (internal/uvm/create_lcow.go, internal/uvm/plan9.go) for a kernel-direct boot with an initrd.
/// </summary>
public static class UtilityVmDocument
{
    public const string Owner = "flotillad";

    /// <summary>The vsock port the guest init listens on for the host's channel connection.</summary>
    public const uint ChannelPort = 1024;

    /// <summary>HCS's 9p server, as the guest sees it over vsock (hcsshim's vmutils.Plan9Port).</summary>
    public const int Plan9Port = 564;

    /// <summary>SYSTEM and Administrators: who may bind or connect to the VM's hvsockets (hcsshim's LCOW default).</summary>
    public const string SystemAndAdministrators = "D:P(A;;FA;;;SY)(A;;FA;;;BA)";

    public static ComputeSystem Create(VmRequest request) => new(
        Owner,
        new SchemaVersion(2, 1),
        new VirtualMachine(
            StopOnReset: true,
            new Chipset(new LinuxKernelDirect(request.Kernel, request.Initrd, KernelCommandLine(request.Cpus))),
            new Topology(new VirtualMachineMemory((ulong)request.MemoryMiB, AllowOvercommit: true), new VirtualMachineProcessor((uint)request.Cpus)),
            new Devices(
                new HvSocket2(new HvSocketSystemConfig(SystemAndAdministrators, new Dictionary<string, HvSocketServiceConfig>
                {
                    [HvSocketEndPoint.VsockServiceId(ChannelPort).ToString()] = new(SystemAndAdministrators, SystemAndAdministrators, AllowWildcardBinds: true),
                })),
                Shares(request))),
        ShouldTerminateOnLastHandleClosed: true);

    /// <summary>
    /// The shares go into the create document, so they exist before the guest can mount them. hcsshim adds its
    /// shares later with HcsModifyComputeSystem because its GCS mounts on request; our guest mounts at boot.
    /// </summary>
    public static Plan9 Shares(VmRequest request) => new(
    [
        .. request.Shares.Select(s => new Plan9Share(s.Tag, s.Tag, s.HostPath, Plan9Port,
            Plan9ShareFlags.LinuxMetadata | (s.ReadOnly ? Plan9ShareFlags.ReadOnly : Plan9ShareFlags.None))),
    ]);

    /// <summary>
    /// hcsshim's kernel-direct command line without its GCS (no serial ports, no PCI, power off on panic, hv_sock
    /// only), then the guest init's: its channel is a vsock stream to the host, its shares 9p over vsock to HCS's
    /// Plan9 server (mounted with trans=fd and aname=TAG, as hcsshim's guest does).
    /// </summary>
    public static string KernelCommandLine(int cpus) =>
        $"8250_core.nr_uarts=0 panic=-1 quiet pci=off nr_cpus={cpus} brd.rd_nr=0 pmtmr=0 initcall_blacklist=virtio_vsock_init " +
        $"flotilla.channel=vsock:{ChannelPort} flotilla.fs=9p-vsock:{Plan9Port}";
}
