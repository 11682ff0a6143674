using System.Buffers.Binary;

namespace Flotilla.Guest;

/// <summary>
/// Reads frames from the guest's byte stream (a socket, or the file a chardev writes), whatever pieces they come in.
/// With <paramref name="sessions"/> header bytes 1-3 are an exec session's id; otherwise they must be zero.
/// </summary>
public sealed class FrameReader(Stream stream, bool sessions = false)
{
    private readonly byte[] _header = new byte[Frame.HeaderSize];

    /// <summary>The next frame, or null at a clean end of stream. A stream that ends inside a frame is an error.</summary>
    public async ValueTask<Frame?> ReadAsync(CancellationToken ct)
    {
        var got = await stream.ReadAtLeastAsync(_header, Frame.HeaderSize, throwOnEndOfStream: false, ct);
        if (got == 0)
            return null;
        if (got < Frame.HeaderSize)
            throw new EndOfStreamException($"the guest's stream ended inside a frame header ({got} of 8 bytes)");
        return await ReadRestAsync(ct);
    }

    private async ValueTask<Frame> ReadRestAsync(CancellationToken ct)
    {
        var type = _header[0];
        if (type > (byte)FrameType.Exec || (!sessions && (_header[1] != 0 || _header[2] != 0 || _header[3] != 0)))
            throw new InvalidDataException($"not a Flotilla channel frame header: {Convert.ToHexString(_header)}");
        var length = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(4));
        if (length > Frame.MaxPayload)
            throw new InvalidDataException($"a channel frame of {length} bytes is larger than the {Frame.MaxPayload} allowed");
        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, ct);
        return new Frame((FrameType)type, payload) { Session = _header[1] << 16 | _header[2] << 8 | _header[3] };
    }
}
