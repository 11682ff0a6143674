using System.Buffers.Binary;
using System.Text;

namespace Flotilla.Client;

/// <summary>The stream a frame belongs to: the first byte of docker's 8-byte frame header.</summary>
public enum OutputStream
{
    Stdin = 0,
    Stdout = 1,
    Stderr = 2,

    /// <summary>The daemon reporting an error inside the stream.</summary>
    SystemError = 3,
}

/// <summary>One frame of docker's multiplexed stream.</summary>
public readonly record struct OutputFrame(OutputStream Stream, ReadOnlyMemory<byte> Data);

/// <summary>
/// Reads docker's multiplexed stream: before each frame an 8-byte header — stream type, three zero bytes, the
/// frame's length as a big-endian uint32. Headers and frames may arrive split across any number of reads.
/// </summary>
public sealed class MultiplexedReader(Stream stream)
{
    private readonly byte[] _header = new byte[8];

    /// <summary>The next frame, or null at the end of the stream.</summary>
    public async Task<OutputFrame?> ReadAsync(CancellationToken ct = default)
    {
        var got = await FillAsync(_header, ct);
        if (got == 0)
        {
            return null;
        }

        if (got < _header.Length)
        {
            throw new IOException($"the output stream ended inside a frame header ({got} of 8 bytes)");
        }

        var type = _header[0];
        if (type > (byte)OutputStream.SystemError)
        {
            throw new IOException($"the output stream is not docker's multiplexed format: unknown stream type {type}");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(4));
        if (length > int.MaxValue)
        {
            throw new IOException($"the output stream announced a frame of {length} bytes");
        }

        var data = new byte[length];
        if (await FillAsync(data, ct) < data.Length)
        {
            throw new IOException($"the output stream ended inside a frame of {length} bytes");
        }

        return new OutputFrame((OutputStream)type, data);
    }

    /// <summary>Copies stdout (and stdin echo) frames to <paramref name="stdout"/> and stderr frames to <paramref name="stderr"/> until the stream ends.</summary>
    public async Task CopyToAsync(Stream stdout, Stream stderr, CancellationToken ct = default)
    {
        while (await ReadAsync(ct) is { } frame)
        {
            if (frame.Stream == OutputStream.SystemError)
            {
                throw new IOException("error from daemon in stream: " + Encoding.UTF8.GetString(frame.Data.Span));
            }

            var target = frame.Stream == OutputStream.Stderr ? stderr : stdout;
            await target.WriteAsync(frame.Data, ct);
            await target.FlushAsync(ct);
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns how many bytes came.</summary>
    private async Task<int> FillAsync(byte[] buffer, CancellationToken ct)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), ct);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return read;
    }
}
