using System.Formats.Tar;
using System.Text;

namespace Flotilla.Images;

/// <summary>
/// The extended attributes a layer entry carries as PAX records ("SCHILY.xattr.NAME=VALUE"), with their values as
/// raw bytes. System.Formats.Tar decodes PAX values as UTF-8, which mangles binary values such as
/// security.capability of a setuid-capable file (bytes ≥ 0x80 that are not UTF-8); so the reader sits between the
/// tar reader and the layer stream, keeps the bytes read while the reader looks for the next entry (its headers),
/// and parses the PAX records from those bytes when an entry has any xattr.
/// </summary>
internal sealed class PaxXattrReader(Stream inner) : ReadOnlyForwardStream
{
    public const string Prefix = "SCHILY.xattr.";
    private const int BlockSize = 512;

    // PAX headers of one entry; an xattr value is at most 64 KiB on Linux. Anything longer is not kept.
    private const int MaxHeaderBytes = 1 << 20;
    private readonly MemoryStream _headers = new();
    private bool _recording;
    private bool _overflowed;

    /// <summary>Call before asking the tar reader for the next entry: what it reads until then is its headers.</summary>
    public void BeginHeaders()
    {
        _headers.SetLength(0);
        _recording = true;
        _overflowed = false;
    }

    /// <summary>The entry's xattrs (name without the prefix → raw value), from the headers read since <see cref="BeginHeaders"/>.</summary>
    public Dictionary<string, byte[]> EndHeaders(TarEntry entry)
    {
        _recording = false;
        var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (entry is not PaxTarEntry pax || !pax.ExtendedAttributes.Keys.Any(k => k.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            return found;
        }

        var bytes = _headers.GetBuffer().AsSpan(0, (int)_headers.Length);
        // The recording starts with the padding of the previous entry's data (which the reader skips first);
        // headers and their data fill whole blocks after it.
        for (var at = bytes.Length % BlockSize; !_overflowed && at + BlockSize <= bytes.Length;)
        {
            var header = bytes.Slice(at, BlockSize);
            var size = ParseOctal(header.Slice(124, 12));
            var dataLength = (int)Math.Min(size, bytes.Length - at - BlockSize);
            if (header[156] == (byte)'x')
            {
                ParseRecords(bytes.Slice(at + BlockSize, dataLength), found);
            }

            at += BlockSize + (int)((size + BlockSize - 1) / BlockSize * BlockSize);
        }

        // What could not be read raw (headers beyond the limit) is taken as the tar reader decoded it.
        foreach (var (key, value) in pax.ExtendedAttributes)
        {
            if (key.StartsWith(Prefix, StringComparison.Ordinal))
            {
                found.TryAdd(key[Prefix.Length..], Encoding.UTF8.GetBytes(value));
            }
        }

        return found;
    }

    /// <summary>"LENGTH KEY=VALUE\n" records; only the xattr ones are kept.</summary>
    private static void ParseRecords(ReadOnlySpan<byte> data, Dictionary<string, byte[]> found)
    {
        while (data.Length > 0)
        {
            var space = data.IndexOf((byte)' ');
            if (space <= 0 || !int.TryParse(Encoding.ASCII.GetString(data[..space]), out var length) || length <= space || length > data.Length)
            {
                return; // malformed: the tar reader has already refused or accepted the entry; nothing more to learn
            }

            var record = data[(space + 1)..(length - 1)]; // without the trailing newline
            var eq = record.IndexOf((byte)'=');
            if (eq > 0)
            {
                var key = Encoding.UTF8.GetString(record[..eq]);
                if (key.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    found[key[Prefix.Length..]] = record[(eq + 1)..].ToArray();
                }
            }

            data = data[length..];
        }
    }

    private static long ParseOctal(ReadOnlySpan<byte> field)
    {
        long value = 0;
        foreach (var b in field)
        {
            if (b is >= (byte)'0' and <= (byte)'7')
            {
                value = (value * 8) + (b - '0');
            }
            else if (value > 0 || b is not ((byte)' ' or 0))
            {
                break;
            }
        }

        return value;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        if (_recording && n > 0 && !_overflowed)
        {
            _overflowed = _headers.Length + n > MaxHeaderBytes;
            if (!_overflowed)
            {
                _headers.Write(buffer[..n]);
            }
        }

        return n;
    }
}
