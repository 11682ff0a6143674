using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
namespace Flotilla.Plugins;

/// <summary>An IPv4 prefix ("10.1.0.0/24") with the address arithmetic IPAM needs.</summary>
public readonly record struct Ipv4Subnet(uint Network, int PrefixLength)
{
    public uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);

    public uint Broadcast => Network | ~Mask;

    public bool Contains(uint address) => (address & Mask) == Network;

    public bool Overlaps(Ipv4Subnet other) => Contains(other.Network) || other.Contains(Network);

    public override string ToString() => $"{Format(Network)}/{PrefixLength}";

    /// <summary>Parses "A.B.C.D/N"; the address must be the network's first (docker refuses "10.1.0.5/24" too).</summary>
    public static Ipv4Subnet Parse(string text, string what)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !TryAddress(parts[0], out var address) || !int.TryParse(parts[1], out var length) || length is < 8 or > 30)
        {
            throw new PluginException($"invalid {what} '{text}': give an IPv4 subnet as A.B.C.D/N with N from 8 to 30 (e.g. 10.10.0.0/24)", PluginErrorKind.InvalidInput);
        }

        var subnet = new Ipv4Subnet(address, length);
        return (address & subnet.Mask) == address
            ? subnet
            : throw new PluginException($"invalid {what} '{text}': {Format(address)} is not the first address of a /{length}; did you mean {new Ipv4Subnet(address & subnet.Mask, length)}?", PluginErrorKind.InvalidInput);
    }

    /// <summary>
    /// IPAM's pick: the first host address after <paramref name="after"/> (wrapping round) that is not in
    /// <paramref name="taken"/>, so that a freed address rests before it is handed out again; null when none is left.
    /// </summary>
    public string? NextFree(IReadOnlySet<string> taken, string? after)
    {
        var first = Network + 1;
        var count = Broadcast - first;
        var start = after is not null && TryAddress(after, out var last) && Contains(last) ? last - first + 1 : 0;
        for (uint i = 0; i < count; i++)
        {
            var candidate = Format(first + (start + i) % count);
            if (!taken.Contains(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static bool TryAddress(string text, out uint address)
    {
        address = 0;
        if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork || text.Count(c => c == '.') != 3)
        {
            return false;
        }

        address = BinaryPrimitives.ReadUInt32BigEndian(ip.GetAddressBytes());
        return true;
    }

    public static string Format(uint address) => new IPAddress(BinaryPrimitives.ReverseEndianness(address)).ToString();
}
