using System.Text;

namespace Flotilla.Images.Tests;

/// <summary>
/// A ustar archive written byte by byte, for PAX records that System.Formats.Tar's writer cannot express (binary
/// values, which it would encode as UTF-8).
/// </summary>
public sealed class RawTar
{
    private readonly MemoryStream _out = new();

    /// <summary>A PAX extended header ('x') for the next entry.</summary>
    public RawTar Pax(params (string Key, byte[] Value)[] records)
    {
        var data = new MemoryStream();
        foreach (var (key, value) in records)
        {
            var body = Encoding.UTF8.GetBytes($" {key}=").Concat(value).Append((byte)'\n').ToArray();
            // The length counts its own digits.
            var length = body.Length + 1;
            while (length.ToString().Length + body.Length != length)
            {
                length++;
            }

            data.Write(Encoding.ASCII.GetBytes(length.ToString()));
            data.Write(body);
        }

        return Entry("PaxHeaders/x", 'x', data.ToArray());
    }

    public RawTar Entry(string name, char type, byte[] content, string mode = "0000644")
    {
        var header = new byte[512];
        void Put(int offset, string text) => Encoding.ASCII.GetBytes(text).CopyTo(header, offset);
        Put(0, name);
        Put(100, mode + "\0");
        Put(108, "0000000\0");
        Put(116, "0000000\0");
        Put(124, Convert.ToString(content.Length, 8).PadLeft(11, '0') + "\0");
        Put(136, Convert.ToString(1_700_000_000, 8).PadLeft(11, '0') + "\0");
        Put(148, "        ");
        header[156] = (byte)type;
        Put(257, "ustar\0");
        Put(263, "00");
        Put(148, Convert.ToString(header.Sum(b => b), 8).PadLeft(6, '0') + "\0 ");
        _out.Write(header);
        _out.Write(content);
        _out.Write(new byte[(512 - (content.Length % 512)) % 512]);
        return this;
    }

    public byte[] Build()
    {
        _out.Write(new byte[1024]);
        return _out.ToArray();
    }
}
