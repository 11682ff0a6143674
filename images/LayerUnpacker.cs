using System.Formats.Tar;
using System.IO.Compression;

namespace Flotilla.Images;

/// <summary>
/// Unpacks one layer tarball into an empty directory, treating it as hostile: no entry may write outside the
/// directory (no "..", no absolute names, never through a symlink, no hard link to outside). OCI whiteouts become
/// overlayfs whiteouts. Any refusal throws, naming the entry; the caller then discards the directory.
/// </summary>
public static class LayerUnpacker
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueWhiteout = ".wh..wh..opq";

    /// <summary>Opens a layer stream, decompressing gzip when the bytes say so.</summary>
    public static Stream OpenMaybeCompressed(Stream raw)
    {
        var buffered = raw.CanSeek ? raw : new BufferedStream(raw, 64 * 1024);
        Span<byte> magic = stackalloc byte[2];
        if (buffered.CanSeek)
        {
            var read = buffered.Read(magic);
            buffered.Seek(-read, SeekOrigin.Current);
            return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(buffered, CompressionMode.Decompress) : buffered;
        }

        throw new InvalidOperationException("layer streams must be seekable");
    }

    public static void Unpack(Stream tar, string target)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        Directory.CreateDirectory(root);
        using var reader = new TarReader(tar, leaveOpen: true);
        var directories = new List<(string Path, DateTimeOffset MTime)>();
        TarEntry? entry;
        while ((entry = reader.GetNextEntry()) is not null)
        {
            if (entry.EntryType is TarEntryType.GlobalExtendedAttributes)
            {
                continue;
            }

            var relative = Normalize(entry.Name);
            if (relative.Length == 0)
            {
                continue; // "./": the root itself
            }

            var path = Path.Combine(root, relative);
            var parent = Path.GetDirectoryName(path)!;
            EnsureRealDirectories(root, parent, entry.Name);
            var name = Path.GetFileName(path);

            if (name == OpaqueWhiteout)
            {
                var value = "y"u8.ToArray();
                Native.Check(Native.lsetxattr(parent, "trusted.overlay.opaque", value, (nuint)value.Length, 0), "mark opaque", parent);
                continue;
            }

            if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                var hidden = Path.Combine(parent, name[WhiteoutPrefix.Length..]);
                RemoveExisting(hidden);
                Native.Check(Native.mknod(hidden, Native.S_IFCHR, 0), "whiteout", hidden);
                continue;
            }

            if (entry.EntryType != TarEntryType.Directory || !IsRealDirectory(path))
            {
                RemoveExisting(path);
            }

            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(path);
                    directories.Add((path, entry.ModificationTime));
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                    {
                        entry.DataStream?.CopyTo(file);
                    }

                    break;
                case TarEntryType.SymbolicLink:
                    // The link's target is resolved inside the container; only writing through it would be dangerous.
                    File.CreateSymbolicLink(path, entry.LinkName);
                    break;
                case TarEntryType.HardLink:
                    var source = Path.Combine(root, Normalize(entry.LinkName));
                    EnsureRealDirectories(root, Path.GetDirectoryName(source)!, entry.LinkName);
                    if (!File.Exists(source) || IsSymlink(source))
                    {
                        throw Refuse(entry.Name, $"hard link to '{entry.LinkName}', which is not a regular file earlier in this layer");
                    }

                    Native.Check(Native.link(source, path), "hard link", path);
                    break;
                case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                    var type = entry.EntryType switch { TarEntryType.CharacterDevice => Native.S_IFCHR, TarEntryType.BlockDevice => Native.S_IFBLK, _ => Native.S_IFIFO };
                    var device = entry is PosixTarEntry posix ? Native.MakeDev(posix.DeviceMajor, posix.DeviceMinor) : 0;
                    Native.Check(Native.mknod(path, type | (uint)entry.Mode, device), "mknod", path);
                    break;
                default:
                    throw Refuse(entry.Name, $"unsupported entry type {entry.EntryType}");
            }

            if (entry.EntryType != TarEntryType.HardLink)
            {
                ApplyMetadata(entry, path);
            }
        }

        // Directory times last: creating their children changed them.
        foreach (var (dir, mtime) in directories)
        {
            Directory.SetLastWriteTimeUtc(dir, mtime.UtcDateTime);
        }
    }

    /// <summary>An archive name as a relative path with no "." or ".." parts; absolute names and escapes are refused.</summary>
    public static string Normalize(string name)
    {
        if (name.StartsWith('/'))
        {
            throw Refuse(name, "absolute path");
        }

        var parts = new List<string>();
        foreach (var part in name.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                throw Refuse(name, "path goes up with '..'");
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    private static void EnsureRealDirectories(string root, string directory, string entryName)
    {
        if (directory == root)
        {
            return;
        }

        var current = root;
        foreach (var part in Path.GetRelativePath(root, directory).Split('/'))
        {
            current = Path.Combine(current, part);
            if (IsSymlink(current))
            {
                throw Refuse(entryName, $"it would be written through the symbolic link '{Path.GetRelativePath(root, current)}'");
            }

            if (File.Exists(current))
            {
                throw Refuse(entryName, $"'{Path.GetRelativePath(root, current)}' is a file, not a directory");
            }

            if (!Directory.Exists(current))
            {
                Directory.CreateDirectory(current);
            }
        }
    }

    private static void ApplyMetadata(TarEntry entry, string path)
    {
        Native.Check(Native.lchown(path, entry.Uid, entry.Gid), "chown", path);
        if (entry.EntryType == TarEntryType.SymbolicLink)
        {
            return;
        }

        // chown clears set-id bits, so the mode goes after it.
        File.SetUnixFileMode(path, (UnixFileMode)((int)entry.Mode & 0xfff));
        if (entry.EntryType != TarEntryType.Directory)
        {
            File.SetLastWriteTimeUtc(path, entry.ModificationTime.UtcDateTime);
        }
    }

    private static bool IsSymlink(string path)
    {
        try
        {
            return (File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
    }

    private static bool IsRealDirectory(string path) => !IsSymlink(path) && Directory.Exists(path);

    private static void RemoveExisting(string path)
    {
        if (IsSymlink(path) || File.Exists(path))
        {
            File.Delete(path);
        }
        else if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else if (new FileInfo(path).Exists)
        {
            File.Delete(path);
        }
    }

    private static ImageStoreException Refuse(string entry, string why) =>
        ImageStoreException.Invalid($"refusing layer entry '{entry}': {why}. The archive is unsafe to unpack; nothing was stored.");
}
