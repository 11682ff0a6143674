using System.Text;

namespace Flotilla.Guest;

/// <summary>
/// Writes a cpio archive in the "newc" format (the one the Linux kernel unpacks as an initramfs): a 110-byte ASCII
/// header per entry, name and data each padded to 4 bytes, ended by a "TRAILER!!!" entry. Entries are owned by root.
/// Concatenated after another initramfs, its files are added to (or replace) the earlier ones.
/// </summary>
public sealed class CpioWriter(Stream output)
{
    private const int DirectoryMode = 0x4000; // S_IFDIR
    private const int FileMode = 0x8000;      // S_IFREG
    private int _inode = 1;
    private bool _finished;

    public void AddDirectory(string path, int permissions = 0x1ED /* 0755 */) =>
        WriteEntry(path, DirectoryMode | permissions, ReadOnlySpan<byte>.Empty);

    public void AddFile(string path, ReadOnlySpan<byte> data, int permissions = 0x1A4 /* 0644 */) =>
        WriteEntry(path, FileMode | permissions, data);

    public void AddFile(string path, string text, int permissions = 0x1A4) =>
        AddFile(path, Encoding.UTF8.GetBytes(text), permissions);

    /// <summary>Writes the trailer. The archive is complete only after this.</summary>
    public void Finish()
    {
        if (_finished)
            return;
        WriteHeaderAndName("TRAILER!!!", 0, 0, nlink: 1, inode: 0);
        _finished = true;
    }

    private void WriteEntry(string path, int mode, ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        var name = path.TrimStart('/');
        if (name.Length == 0 || name.Split('/').Any(p => p is "" or "." or ".."))
            throw new ArgumentException($"cpio entry path \"{path}\" must be a relative path without empty, . or .. parts", nameof(path));
        WriteHeaderAndName(name, mode, data.Length, nlink: (mode & DirectoryMode) != 0 ? 2 : 1, inode: _inode++);
        output.Write(data);
        Pad(data.Length);
    }

    private void WriteHeaderAndName(string name, int mode, int size, int nlink, int inode)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name + "\0");
        var header = new StringBuilder("070701", 110);
        foreach (var field in new[] { inode, mode, 0 /* uid */, 0 /* gid */, nlink, 0 /* mtime */, size, 0, 0, 0, 0, nameBytes.Length, 0 /* check */ })
            header.Append(field.ToString("X8"));
        output.Write(Encoding.ASCII.GetBytes(header.ToString()));
        output.Write(nameBytes);
        Pad(110 + nameBytes.Length);
    }

    private void Pad(int length)
    {
        Span<byte> zeros = stackalloc byte[3];
        zeros.Clear();
        output.Write(zeros[..((4 - length % 4) % 4)]);
    }
}
