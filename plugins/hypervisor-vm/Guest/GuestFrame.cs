using System.Buffers.Binary;

namespace Flotilla.Hypervisor.Vm.Guest;

/// <summary>
/// The channel between host and guest init: docker's 8-byte multiplexed header (type, three zero bytes, big-endian
/// payload length) then the payload. Shared with the KVM plugin's guest; the seam until plugins/guest's codec is merged.
/// </summary>
public enum GuestFrameType : byte
{
    Stdin = 0,
    Stdout = 1,
    Stderr = 2,

    /// <summary>4-byte big-endian exit code; the last frame the guest sends.</summary>
    Exit = 3,

    /// <summary>Host to guest: 4-byte big-endian signal number for the container's process.</summary>
    Signal = 4,
    StdinClosed = 5,
}

public readonly record struct GuestFrame(GuestFrameType Type, ReadOnlyMemory<byte> Payload)
{
    public const int HeaderSize = 8;

    /// <summary>Larger frames are a broken guest, not output: refuse before allocating.</summary>
    public const int MaxPayload = 16 * 1024 * 1024;

    public static GuestFrame Int32(GuestFrameType type, int value)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, value);
        return new GuestFrame(type, payload);
    }

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Payload.Span);

    public async ValueTask WriteAsync(Stream stream, CancellationToken ct)
    {
        var header = new byte[HeaderSize];
        header[0] = (byte)Type;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)Payload.Length);
        await stream.WriteAsync(header, ct);
        await stream.WriteAsync(Payload, ct);
        await stream.FlushAsync(ct);
    }

    /// <summary>The next frame, or null at a clean end of stream (between frames).</summary>
    public static async ValueTask<GuestFrame?> ReadAsync(Stream stream, CancellationToken ct)
    {
        var header = new byte[HeaderSize];
        var got = await stream.ReadAtLeastAsync(header, HeaderSize, throwOnEndOfStream: false, ct);
        if (got == 0)
        {
            return null;
        }

        if (got < HeaderSize)
        {
            throw new InvalidDataException("the guest channel ended inside a frame header");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
        if (header[0] > (byte)GuestFrameType.StdinClosed || header[1] != 0 || header[2] != 0 || header[3] != 0 || length > MaxPayload)
        {
            throw new InvalidDataException($"the guest sent a malformed frame header ({Convert.ToHexString(header)})");
        }

        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, ct);
        return new GuestFrame((GuestFrameType)header[0], payload);
    }
}
