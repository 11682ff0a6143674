using System.IO.Compression;

namespace Flotilla.Images;

/// <summary>Tarballs arrive plain or gzipped; the first two bytes tell which.</summary>
internal static class Compression
{
    /// <summary>A stream of the uncompressed bytes of <paramref name="input"/>; disposing it leaves <paramref name="input"/> open.</summary>
    public static Stream Decompress(Stream input)
    {
        var head = new byte[2];
        var read = 0;
        while (read < head.Length && input.Read(head, read, head.Length - read) is var n and > 0)
        {
            read += n;
        }

        return Wrap(head.AsMemory(0, read), input);
    }

    public static async Task<Stream> DecompressAsync(Stream input, CancellationToken ct)
    {
        var head = new byte[2];
        var read = 0;
        while (read < head.Length && await input.ReadAsync(head.AsMemory(read), ct) is var n and > 0)
        {
            read += n;
        }

        return Wrap(head.AsMemory(0, read), input);
    }

    private static Stream Wrap(ReadOnlyMemory<byte> head, Stream input)
    {
        var whole = new ConcatenatedStream(head, input);
        return head.Length == 2 && head.Span[0] == 0x1f && head.Span[1] == 0x8b
            ? new GZipStream(whole, CompressionMode.Decompress)
            : whole;
    }
}
