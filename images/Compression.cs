using System.IO.Compression;

namespace Flotilla.Images;

/// <summary>Tarballs arrive plain, gzipped or zstd-compressed; their first bytes tell which.</summary>
internal static class Compression
{
    /// <summary>A stream of the uncompressed bytes of <paramref name="input"/>; disposing it leaves <paramref name="input"/> open.</summary>
    public static Stream Decompress(Stream input)
    {
        var head = new byte[4];
        var read = 0;
        while (read < head.Length && input.Read(head, read, head.Length - read) is var n and > 0)
        {
            read += n;
        }

        return Wrap(head.AsMemory(0, read), input);
    }

    public static async Task<Stream> DecompressAsync(Stream input, CancellationToken ct)
    {
        var head = new byte[4];
        var read = 0;
        while (read < head.Length && await input.ReadAsync(head.AsMemory(read), ct) is var n and > 0)
        {
            read += n;
        }

        return Wrap(head.AsMemory(0, read), input);
    }

    private static Stream Wrap(ReadOnlyMemory<byte> head, Stream input)
    {
        var whole = new SequenceStream(new MemoryStream(head.ToArray(), writable: false), input);
        var span = head.Span;
        if (span.Length >= 2 && span[0] == 0x1f && span[1] == 0x8b)
        {
            return new GZipStream(whole, CompressionMode.Decompress);
        }

        return span.Length == 4 && span[0] == 0x28 && span[1] == 0xb5 && span[2] == 0x2f && span[3] == 0xfd
            ? new ZstdSharp.DecompressionStream(whole, leaveOpen: false)
            : whole;
    }
}
