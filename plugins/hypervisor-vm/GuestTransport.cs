namespace Flotilla.Hypervisor.Vm;

/// <summary>
/// How the guest init reaches the host on one hypervisor, written to <c>/flotilla/transport</c> in the per-run config.
/// KVM's guest uses virtio-console and virtio-9p and needs no such file; Hyper-V and Apple's framework have neither.
/// </summary>
/// <param name="ChannelVsockPort">The AF_VSOCK port of the host (CID 2) the guest connects its one channel to, once booted.</param>
/// <param name="Shares">"9p-vsock PORT": 9p over a vsock connection to the host (CID 2) on PORT, mounted with
/// <c>trans=fd</c> and <c>aname=TAG</c> (Hyper-V's Plan9 server, as hcsshim's guest does); "virtiofs": mount -t virtiofs TAG.</param>
/// <param name="Modules">Kernel modules the guest loads, in order, before it mounts or listens.</param>
public sealed record GuestTransport(uint ChannelVsockPort, string Shares, IReadOnlyList<string> Modules)
{
    /// <summary>The file's text: one "KEY VALUE..." line each.</summary>
    public string Render() =>
        $"channel vsock-connect 2 {ChannelVsockPort}\nshares {Shares}\nmodules {string.Join(' ', Modules)}\n";
}
