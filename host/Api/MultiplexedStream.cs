using System.Buffers.Binary;
using Flotilla.Plugins;

namespace Flotilla.Host.Api;

/// <summary>Docker's stream framing for non-TTY output: [stream, 0, 0, 0, size (big-endian uint32)] then the bytes.</summary>
public static class MultiplexedStream
{
    public static async ValueTask WriteFrameAsync(Stream output, StdStream stream, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (data.IsEmpty)
        {
            return;
        }

        var header = new byte[8];
        header[0] = (byte)stream;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)data.Length);
        await output.WriteAsync(header, ct);
        await output.WriteAsync(data, ct);
        await output.FlushAsync(ct);
    }

    /// <summary>With a TTY docker sends the bytes as they are.</summary>
    public static async ValueTask WriteAsync(Stream output, bool tty, StdStream stream, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (tty)
        {
            await output.WriteAsync(data, ct);
            await output.FlushAsync(ct);
        }
        else
        {
            await WriteFrameAsync(output, stream, data, ct);
        }
    }
}
