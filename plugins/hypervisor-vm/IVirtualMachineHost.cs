namespace Flotilla.Hypervisor.Vm;

/// <summary>
/// One hypervisor API (Hyper-V's HCS, Apple's Virtualization.framework through vfkit): boots a one-shot VM and
/// accepts the byte stream its guest init opens. Everything above that is <see cref="VmContainerRuntime"/>'s.
/// </summary>
public interface IVirtualMachineHost
{
    /// <summary>Null when this host can run the VMs; otherwise what it lacks, said for the user.</summary>
    string? UnsupportedReason { get; }

    /// <summary>Facts for <c>flotilla info</c> (hypervisor API, helper versions).</summary>
    IReadOnlyList<KeyValuePair<string, string>> Facts { get; }

    Task<IVirtualMachine> BootAsync(VmRequest request, CancellationToken ct);
}

/// <summary>A running VM. Disposing releases the host's handles and stops the VM if it still runs.</summary>
public interface IVirtualMachine : IAsyncDisposable
{
    /// <summary>
    /// The guest's channel: the host listens from before the VM starts and the guest init connects once it has
    /// booted (hcsshim's GCS connects the same way), so a connection always means a guest that is ready.
    /// </summary>
    Task<Stream> AcceptChannelAsync(CancellationToken ct);

    /// <summary>Completes when the VM is gone, whatever stopped it.</summary>
    Task Stopped { get; }

    /// <summary>Stops the VM at once (power off): the hypervisor's answer to SIGKILL.</summary>
    Task TerminateAsync();
}

/// <param name="Id">The container id; also the VM's name on the hypervisor.</param>
/// <param name="Initrd">The per-run initramfs: the base one with this run's config appended.</param>
/// <param name="Shares">Host directories the guest mounts; their tags are those in the guest's <c>mounts</c> file.</param>
/// <param name="StateDirectory">A directory of this container's own for sockets and logs.</param>
public sealed record VmRequest(
    string Id,
    string Kernel,
    string Initrd,
    int MemoryMiB,
    int Cpus,
    IReadOnlyList<VmShare> Shares,
    string StateDirectory);

/// <param name="Tag">The name the guest mounts it by ("rootfs", "vol0", ...).</param>
public sealed record VmShare(string Tag, string HostPath, bool ReadOnly);
