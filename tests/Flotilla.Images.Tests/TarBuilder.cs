using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Flotilla.Images.Tests;

/// <summary>Builds tarballs for tests, hostile entries included: names and link targets are written as given.</summary>
public sealed class TarBuilder
{
    public static readonly DateTimeOffset Time = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);

    private readonly List<PaxTarEntry> _entries = [];

    public TarBuilder Dir(string name, int mode = 0x1ed /* 0755 */, int uid = 0, int gid = 0) =>
        Add(new PaxTarEntry(TarEntryType.Directory, name), mode, uid, gid);

    public TarBuilder File(string name, string content, int mode = 0x1a4 /* 0644 */, int uid = 0, int gid = 0) =>
        File(name, Encoding.UTF8.GetBytes(content), mode, uid, gid);

    public TarBuilder File(string name, byte[] content, int mode = 0x1a4, int uid = 0, int gid = 0)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) };
        return Add(entry, mode, uid, gid);
    }

    public TarBuilder Symlink(string name, string target) =>
        Add(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target }, 0x1ff, 0, 0);

    public TarBuilder HardLink(string name, string target) =>
        Add(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target }, 0x1a4, 0, 0);

    public TarBuilder CharDevice(string name, int major, int minor, int mode = 0x1b6 /* 0666 */) =>
        Add(new PaxTarEntry(TarEntryType.CharacterDevice, name) { DeviceMajor = major, DeviceMinor = minor }, mode, 0, 0);

    public TarBuilder Fifo(string name) => Add(new PaxTarEntry(TarEntryType.Fifo, name), 0x1a4, 0, 0);

    public byte[] Build()
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in _entries)
            {
                entry.DataStream?.Seek(0, SeekOrigin.Begin);
                writer.WriteEntry(entry);
            }
        }

        return output.ToArray();
    }

    public byte[] BuildGzip() => Gzip(Build());

    public static byte[] Zstd(byte[] data)
    {
        using var compressor = new ZstdSharp.Compressor();
        return compressor.Wrap(data).ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    public static string Digest(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    private TarBuilder Add(PaxTarEntry entry, int mode, int uid, int gid)
    {
        entry.Mode = (UnixFileMode)mode;
        entry.Uid = uid;
        entry.Gid = gid;
        entry.ModificationTime = Time;
        _entries.Add(entry);
        return this;
    }
}
