using System.Buffers.Binary;

namespace Flotilla.Client;

public enum OutputStream
{
    Stdin = 0,
    Stdout = 1,
    Stderr = 2,
}

/// <summary>One frame of docker's multiplexed stream.</summary>
public readonly record struct OutputFrame(OutputStream Stream, ReadOnlyMemory<byte> Data);

/// <summary>Reads docker's multiplexed stream: an 8-byte header (stream, 0, 0, 0, big-endian length) before each frame.</summary>
public sealed class MultiplexedReader(Stream stream)
{
    private readonly byte[] _header = new byte[8];

    /// <summary>The next frame, or null at the end of the stream.</summary>
    public async Task<OutputFrame?> ReadAsync(CancellationToken ct)
    {
        if (!await FillAsync(_header, ct))
        {
            return null;
        }

        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(4));
        var data = new byte[length];
        if (!await FillAsync(data, ct))
        {
            throw new IOException("the output stream ended inside a frame");
        }

        return new OutputFrame((OutputStream)_header[0], data);
    }

    /// <summary>Copies stdout and stderr frames to their writers until the stream ends.</summary>
    public async Task CopyToAsync(Stream stdout, Stream stderr, CancellationToken ct)
    {
        while (await ReadAsync(ct) is { } frame)
        {
            var target = frame.Stream == OutputStream.Stderr ? stderr : stdout;
            await target.WriteAsync(frame.Data, ct);
            await target.FlushAsync(ct);
        }
    }

    private async Task<bool> FillAsync(byte[] buffer, CancellationToken ct)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), ct);
            if (n == 0)
            {
                return read == 0 && buffer.Length > 0 ? false : throw new IOException("the output stream ended inside a frame");
            }

            read += n;
        }

        return true;
    }
}
