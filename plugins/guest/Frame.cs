using System.Buffers.Binary;

namespace Flotilla.Guest;

/// <summary>
/// One channel frame: docker's 8-byte multiplexed header (type, three zero bytes, big-endian length), then the
/// payload. On an exec port bytes 1-3 are the session's id instead (big-endian, never 0).
/// </summary>
public readonly record struct Frame(FrameType Type, ReadOnlyMemory<byte> Payload)
{
    public const int HeaderSize = 8;

    /// <summary>The largest session id bytes 1-3 hold.</summary>
    public const int MaxSession = 0xffffff;

    /// <summary>The exec session the frame belongs to; 0 on the container's channel.</summary>
    public int Session { get; init; }

    /// <summary>The largest payload a reader accepts; the guest's own input buffer holds 64 KiB.</summary>
    public const int MaxPayload = 64 * 1024;

    public static Frame Exit(int code) => new(FrameType.Exit, BigEndian(code));

    public static Frame Signal(int signal) => new(FrameType.Signal, BigEndian(signal));

    public static Frame StdinClosed() => new(FrameType.StdinClosed, ReadOnlyMemory<byte>.Empty);

    /// <summary>The 4-byte big-endian number an exit or signal frame carries.</summary>
    public int Number => Payload.Length == 4
        ? BinaryPrimitives.ReadInt32BigEndian(Payload.Span)
        : throw new InvalidDataException($"a {Type} frame carries 4 bytes, this one {Payload.Length}");

    public void WriteHeader(Span<byte> header)
    {
        header[..HeaderSize].Clear();
        header[0] = (byte)Type;
        header[1] = (byte)(Session >> 16);
        header[2] = (byte)(Session >> 8);
        header[3] = (byte)Session;
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)Payload.Length);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[HeaderSize + Payload.Length];
        WriteHeader(bytes);
        Payload.Span.CopyTo(bytes.AsSpan(HeaderSize));
        return bytes;
    }

    private static byte[] BigEndian(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }
}
