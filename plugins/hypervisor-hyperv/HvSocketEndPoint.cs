using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Flotilla.Hypervisor.HyperV;

/// <summary>
/// An AF_HYPERV address (winsock's SOCKADDR_HV): the VM's runtime id and a service id. A Linux guest's AF_VSOCK
/// port P is the service 0000P-facb-11e6-bd58-64006a7986d3 (go-winio's VsockServiceID).
/// </summary>
public sealed class HvSocketEndPoint(Guid vmId, Guid serviceId) : EndPoint
{
    /// <summary>AF_HYPERV in ws2def.h.</summary>
    public const AddressFamily HyperV = (AddressFamily)34;

    /// <summary>HV_PROTOCOL_RAW in hvsocket.h.</summary>
    public const ProtocolType RawProtocol = (ProtocolType)1;

    private const int Size = 36;

    private static readonly Guid VsockTemplate = new("00000000-facb-11e6-bd58-64006a7986d3");

    public Guid VmId { get; } = vmId;

    public Guid ServiceId { get; } = serviceId;

    public override AddressFamily AddressFamily => HyperV;

    public static Guid VsockServiceId(uint port)
    {
        var bytes = VsockTemplate.ToByteArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, port);
        return new Guid(bytes);
    }

    public override SocketAddress Serialize()
    {
        // The constructor writes the family (only Windows knows AF_HYPERV); the rest is ours.
        var address = new SocketAddress(HyperV, Size);
        ToBytes().AsSpan(2).CopyTo(address.Buffer.Span[2..]);
        return address;
    }

    public override EndPoint Create(SocketAddress socketAddress) => FromBytes(socketAddress.Buffer.Span[..Size]);

    /// <summary>SOCKADDR_HV: family (2 bytes, little-endian), reserved (2), VmId (16), ServiceId (16), GUIDs in Windows' memory layout.</summary>
    internal byte[] ToBytes()
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)HyperV);
        VmId.TryWriteBytes(bytes.AsSpan(4, 16));
        ServiceId.TryWriteBytes(bytes.AsSpan(20, 16));
        return bytes;
    }

    internal static HvSocketEndPoint FromBytes(ReadOnlySpan<byte> bytes) =>
        new(new Guid(bytes.Slice(4, 16)), new Guid(bytes.Slice(20, 16)));

    public override string ToString() => $"{VmId}:{ServiceId}";
}
