using System.Buffers.Binary;
using System.Net;
using System.Text;
using Flotilla.Plugins;

namespace Flotilla.Network;

/// <summary>
/// The few rtnetlink requests the driver needs (links, addresses, a default route), spoken on a NETLINK_ROUTE socket
/// of the network namespace it was opened in: what <c>ip</c> sends, without a process per step. Each request waits
/// for the kernel's acknowledgement, so an error names the step that failed.
/// </summary>
internal sealed class RouteNetlink : IDisposable
{
    private const ushort NewLink = 16, DelLink = 17, GetLink = 18, NewAddr = 20, NewRoute = 24, NewNeigh = 28, DelNeigh = 29;
    private const ushort Request = 1, Ack = 4, Replace = 0x100, Exclusive = 0x200, Create = 0x400, Append = 0x800;
    private const ushort Error = 2;
    private const ushort IflaAddress = 1, IflaIfname = 3, IflaMtu = 4, IflaMaster = 10, IflaLinkinfo = 18, IflaNetNsFd = 28;
    private const ushort VxlanId = 1, VxlanLocal = 4, VxlanLearning = 7, VxlanPort = 15;
    private const ushort NdaDst = 1, NdaLladdr = 2;
    private const ushort IflaInfoKind = 1, IflaInfoData = 2, VethInfoPeer = 1;
    private const ushort IfaAddress = 1, IfaLocal = 2;
    private const ushort RtaOif = 4, RtaGateway = 5;
    private const uint IffUp = 1;
    private const int NoDevice = 19, NoEntry = 2;

    private readonly int _fd;
    private uint _sequence;

    private RouteNetlink(int fd) => _fd = fd;

    /// <summary>A socket in the calling thread's network namespace.</summary>
    public static RouteNetlink Open() =>
        new(Native.Check(Native.socket(Native.AfNetlink, Native.SockRaw | Native.SockCloexec, Native.NetlinkRoute), "socket(AF_NETLINK)"));

    public void Dispose() => Native.close(_fd);

    /// <summary>The link's index, or -1 when there is no link of that name.</summary>
    public int IndexOf(string name)
    {
        var message = new Message(GetLink, Request);
        message.LinkHeader(0, 0, 0);
        message.String(IflaIfname, name);
        var reply = Send(message, tolerated: NoDevice);
        return reply.Length == 0 ? -1 : BinaryPrimitives.ReadInt32LittleEndian(reply.AsSpan(16 + 4));
    }

    public void AddBridge(string name)
    {
        var message = new Message(NewLink, Request | Ack | Create | Exclusive);
        message.LinkHeader(0, 0, 0);
        message.String(IflaIfname, name);
        var info = message.Begin(IflaLinkinfo);
        message.String(IflaInfoKind, "bridge");
        message.End(info);
        Send(message, $"add bridge {name}");
    }

    /// <summary>A veth pair: <paramref name="name"/> here, up and enslaved to <paramref name="masterIndex"/>; its peer
    /// in the namespace open as <paramref name="peerNamespaceFd"/> (down, until configured there).</summary>
    /// <param name="mtu">Both ends' MTU; 0: the kernel's default.</param>
    public void AddVeth(string name, int masterIndex, string peerName, byte[] peerMac, int peerNamespaceFd, int mtu = 0)
    {
        var message = new Message(NewLink, Request | Ack | Create | Exclusive);
        message.LinkHeader(0, IffUp, IffUp);
        message.String(IflaIfname, name);
        message.UInt32(IflaMaster, (uint)masterIndex);
        if (mtu > 0)
        {
            message.UInt32(IflaMtu, (uint)mtu);
        }

        var info = message.Begin(IflaLinkinfo);
        message.String(IflaInfoKind, "veth");
        var data = message.Begin(IflaInfoData);
        var peer = message.Begin(VethInfoPeer);
        message.LinkHeader(0, 0, 0);
        message.String(IflaIfname, peerName);
        message.Bytes(IflaAddress, peerMac);
        message.UInt32(IflaNetNsFd, (uint)peerNamespaceFd);
        if (mtu > 0)
        {
            message.UInt32(IflaMtu, (uint)mtu);
        }

        message.End(peer);
        message.End(data);
        message.End(info);
        Send(message, $"add veth {name} (peer {peerName})");
    }

    /// <summary>A VXLAN device, up and enslaved to <paramref name="masterIndex"/>, that tunnels from
    /// <paramref name="local"/> over UDP <paramref name="port"/>, learning where the MACs behind its peers are.</summary>
    public void AddVxlan(string name, int vni, IPAddress local, int port, int masterIndex, int mtu)
    {
        var message = new Message(NewLink, Request | Ack | Create | Exclusive);
        message.LinkHeader(0, IffUp, IffUp);
        message.String(IflaIfname, name);
        message.UInt32(IflaMaster, (uint)masterIndex);
        message.UInt32(IflaMtu, (uint)mtu);
        var info = message.Begin(IflaLinkinfo);
        message.String(IflaInfoKind, "vxlan");
        var data = message.Begin(IflaInfoData);
        message.UInt32(VxlanId, (uint)vni);
        message.Bytes(VxlanLocal, local.GetAddressBytes());
        message.Bytes(VxlanLearning, [1]);
        message.Bytes(VxlanPort, [(byte)(port >> 8), (byte)port]);
        message.End(data);
        message.End(info);
        Send(message, $"add vxlan {name} (vni {vni})");
    }

    /// <summary>Adds (or removes) <paramref name="peer"/> to the tunnel's flood list, as
    /// <c>bridge fdb append 00:00:00:00:00:00 dev VXLAN dst PEER</c>: broadcasts and unknown MACs go to every peer.</summary>
    public void FloodTo(int vxlanIndex, IPAddress peer, bool add)
    {
        var message = new Message(add ? NewNeigh : DelNeigh, (ushort)(Request | Ack | (add ? Create | Append : 0)));
        var header = new byte[12]; // AF_BRIDGE, pad, index, state NUD_PERMANENT, flags NTF_SELF, type
        header[0] = 7;
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), vxlanIndex);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), 0x80);
        header[10] = 0x02;
        message.Raw(header);
        message.Bytes(NdaLladdr, new byte[6]);
        message.Bytes(NdaDst, peer.GetAddressBytes());
        Send(message, $"{(add ? "add" : "remove")} VXLAN peer {peer}", add ? 0 : NoEntry);
    }

    public void SetUp(int index, string name)
    {
        var message = new Message(NewLink, Request | Ack);
        message.LinkHeader(index, IffUp, IffUp);
        Send(message, $"set {name} up");
    }

    /// <summary>Sets the link's IPv4 address (replacing it if present), as <c>ip addr replace</c>.</summary>
    public void ReplaceAddress(int index, IPAddress address, int prefixLength, string name)
    {
        var message = new Message(NewAddr, Request | Ack | Create | Replace);
        message.AddressHeader(index, prefixLength);
        message.Bytes(IfaLocal, address.GetAddressBytes());
        message.Bytes(IfaAddress, address.GetAddressBytes());
        Send(message, $"address {address}/{prefixLength} on {name}");
    }

    public void AddDefaultRoute(IPAddress gateway, int index, string name)
    {
        var message = new Message(NewRoute, Request | Ack | Create | Exclusive);
        message.RouteHeader();
        message.Bytes(RtaGateway, gateway.GetAddressBytes());
        message.UInt32(RtaOif, (uint)index);
        Send(message, $"default route via {gateway} on {name}");
    }

    /// <summary>Deletes the link (and a veth's peer with it); nothing when there is none.</summary>
    public void DeleteLink(string name)
    {
        var message = new Message(DelLink, Request | Ack);
        message.LinkHeader(0, 0, 0);
        message.String(IflaIfname, name);
        Send(message, $"delete {name}", NoDevice);
    }

    /// <summary>Sends one request and returns the kernel's answer (empty for an acknowledgement or a tolerated error).</summary>
    private byte[] Send(Message message, string what = "", int tolerated = 0)
    {
        var sequence = ++_sequence;
        var request = message.Finish(sequence);
        if (Native.send(_fd, request, request.Length, 0) != request.Length)
        {
            Native.Check(-1, $"netlink: {what}");
        }

        var buffer = new byte[65536];
        while (true)
        {
            var length = (int)Native.recv(_fd, buffer, buffer.Length, 0);
            Native.Check(length, $"netlink: {what}");
            for (var offset = 0; offset + 16 <= length;)
            {
                var size = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(offset));
                var type = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(offset + 4));
                var replyTo = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(offset + 8));
                if (replyTo == sequence)
                {
                    if (type != Error)
                    {
                        return buffer.AsSpan(offset, size).ToArray();
                    }

                    var errno = -BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(offset + 16));
                    return errno == 0 || errno == tolerated
                        ? []
                        : throw new PluginException($"netlink: {what} failed: {new System.ComponentModel.Win32Exception(errno).Message}");
                }

                offset += (size + 3) & ~3;
            }
        }
    }

    /// <summary>A netlink message: header, family header, then (nested) attributes, each 4-byte aligned.</summary>
    private sealed class Message(ushort type, ushort flags)
    {
        private readonly List<byte> _bytes = [.. new byte[16]];

        public void LinkHeader(int index, uint flags, uint change)
        {
            var header = new byte[16]; // family AF_UNSPEC, type, index, flags, change
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), index);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), flags);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), change);
            _bytes.AddRange(header);
        }

        public void Raw(byte[] header) => _bytes.AddRange(header);

        public void AddressHeader(int index, int prefixLength)
        {
            var header = new byte[8]; // AF_INET, prefix length, flags, scope universe, index
            header[0] = 2;
            header[1] = (byte)prefixLength;
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), index);
            _bytes.AddRange(header);
        }

        /// <summary>An IPv4 default route of the main table, as <c>ip route add default</c> makes it.</summary>
        public void RouteHeader() =>
            _bytes.AddRange([2, 0, 0, 0, 254 /* main */, 3 /* boot */, 0 /* universe */, 1 /* unicast */, 0, 0, 0, 0]);

        public void String(ushort attribute, string value) => Bytes(attribute, [.. Encoding.ASCII.GetBytes(value), 0]);

        public void UInt32(ushort attribute, uint value)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
            Bytes(attribute, bytes);
        }

        public void Bytes(ushort attribute, byte[] value)
        {
            var start = Begin(attribute);
            _bytes.AddRange(value);
            End(start);
        }

        public int Begin(ushort attribute)
        {
            var start = _bytes.Count;
            _bytes.AddRange([0, 0, (byte)attribute, (byte)(attribute >> 8)]);
            return start;
        }

        public void End(int start)
        {
            var length = _bytes.Count - start;
            _bytes[start] = (byte)length;
            _bytes[start + 1] = (byte)(length >> 8);
            while (_bytes.Count % 4 != 0)
            {
                _bytes.Add(0);
            }
        }

        public byte[] Finish(uint sequence)
        {
            var bytes = _bytes.ToArray();
            BinaryPrimitives.WriteInt32LittleEndian(bytes, bytes.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), type);
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), flags);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), sequence);
            return bytes;
        }
    }
}
