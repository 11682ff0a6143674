namespace Flotilla.Network;

/// <summary>
/// The names of everything the driver makes in the kernel. Every name starts with the node's prefix, so the driver
/// recognises what is its own (and sweeps what a crash left) without touching anything else. Interface names are at
/// most 15 characters.
/// </summary>
/// <param name="Instance">"" on a node with the default data root (prefix "flt"); otherwise 4 hex digits that keep two
/// daemons on one host (tests) apart (prefix "fl" + them: no prefix is the start of another).</param>
public sealed record KernelNames(string Instance)
{
    public string Prefix => Instance.Length == 0 ? "flt" : "fl" + Instance;

    /// <summary>Our own nftables table (family inet): nothing outside it is changed.</summary>
    public string Table => Instance.Length == 0 ? "flotilla" : "flotilla_" + Instance;

    public string Bridge(int index) => $"{Prefix}-{index}";

    /// <summary>The host end of a container's veth: PREFIX + the start of the container id + the slot.</summary>
    /// <summary>An overlay network's VXLAN device, beside its bridge.</summary>
    public string Vxlan(int index) => $"{Prefix}-{index}v";

    public string HostVeth(string containerId, int slot) => Prefix + containerId[..(14 - Prefix.Length)] + slot;

    public bool IsOurs(string linkName) => linkName.StartsWith(Prefix, StringComparison.Ordinal);

    public static string ContainerInterface(int slot) => "eth" + slot;
}
