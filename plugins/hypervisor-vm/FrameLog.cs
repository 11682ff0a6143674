using System.Buffers.Binary;
using Flotilla.Plugins;

namespace Flotilla.Hypervisor.Vm;

/// <summary>
/// A container's recorded output on disk, appended frame by frame as the guest sends it: per record one byte of
/// stream, eight of Unix time in milliseconds, four of length (big-endian), then the bytes.
/// </summary>
public sealed class FrameLog(string path)
{
    private const int RecordHeader = 13;

    public string Path { get; } = path;

    public void Append(StdStream stream, DateTimeOffset time, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[RecordHeader];
        header[0] = (byte)stream;
        BinaryPrimitives.WriteInt64BigEndian(header[1..], time.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt32BigEndian(header[9..], data.Length);
        using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        file.Write(header);
        file.Write(data);
    }

    /// <summary>Entries from <paramref name="offset"/> on that are complete on disk; <paramref name="offset"/> moves past them.</summary>
    public IReadOnlyList<LogEntry> ReadFrom(ref long offset)
    {
        var entries = new List<LogEntry>();
        if (!File.Exists(Path))
        {
            return entries;
        }

        using var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        file.Position = offset;
        var header = new byte[RecordHeader];
        while (file.Length - file.Position >= RecordHeader)
        {
            file.ReadExactly(header);
            var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(9));
            if (file.Length - file.Position < length)
            {
                break;
            }

            var data = new byte[length];
            file.ReadExactly(data);
            entries.Add(new LogEntry(DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(header.AsSpan(1))), (StdStream)header[0], data));
            offset = file.Position;
        }

        return entries;
    }
}
