using System.Formats.Tar;

namespace Flotilla.Images;

/// <summary>
/// Unpacks one layer tarball into a new directory, treating the tarball as hostile: no entry may make anything be
/// written outside that directory (no "..", no absolute names, never through a symlink, no hard link to outside).
/// OCI whiteouts become overlayfs whiteouts; file capabilities, ACLs and other xattrs that matter are applied (see
/// ApplyXattrs). Any refusal throws, naming the entry; the caller discards the directory.
/// </summary>
internal static class LayerUnpacker
{
    private const string WhiteoutPrefix = ".wh.";
    private const string WhiteoutMetaPrefix = ".wh..wh.";
    private const string OpaqueWhiteout = ".wh..wh..opq";

    private enum Kind
    {
        Missing,
        Directory,
        Symlink,
        Other,
    }

    public static void Unpack(Stream tar, string target)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        Directory.CreateDirectory(root);
        var headers = new PaxXattrReader(tar);
        using var reader = new TarReader(headers, leaveOpen: true);
        var directories = new List<(string Path, DateTimeOffset MTime)>();
        TarEntry? entry = null;
        while (true)
        {
            // The previous entry's data to its end first, so that what the tar reader reads next is headers only.
            entry?.DataStream?.CopyTo(Stream.Null);
            headers.BeginHeaders();
            if ((entry = reader.GetNextEntry()) is null)
            {
                break;
            }

            var xattrs = headers.EndHeaders(entry);
            if (entry.EntryType is TarEntryType.GlobalExtendedAttributes)
            {
                continue;
            }

            var relative = Normalize(entry.Name);
            if (relative.Length == 0)
            {
                if (entry.EntryType == TarEntryType.Directory)
                {
                    ApplyMetadata(entry, root); // "./": the layer's root directory itself
                    ApplyXattrs(entry, root, xattrs);
                    directories.Add((root, entry.ModificationTime));
                }

                continue;
            }

            var path = Path.Combine(root, relative);
            var parent = Path.GetDirectoryName(path)!;
            WalkParents(root, parent, entry.Name, create: true);
            var name = Path.GetFileName(path);

            if (name == OpaqueWhiteout)
            {
                Native.SetXattr(parent, "trusted.overlay.opaque", "y"u8.ToArray());
                continue;
            }

            if (name.StartsWith(WhiteoutMetaPrefix, StringComparison.Ordinal))
            {
                continue; // aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): nothing to unpack, as in docker
            }

            if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                var hidden = name[WhiteoutPrefix.Length..];
                if (hidden is "" or "." or "..")
                {
                    throw Refuse(entry.Name, "a whiteout must name a file");
                }

                var whiteout = Path.Combine(parent, hidden);
                RemoveExisting(whiteout);
                Native.Mknod(whiteout, Native.S_IFCHR, 0, 0); // overlayfs' whiteout: a 0/0 character device
                Native.Lchown(whiteout, entry.Uid, entry.Gid);
                continue;
            }

            if (entry.EntryType != TarEntryType.Directory || KindOf(path) != Kind.Directory)
            {
                RemoveExisting(path); // a later entry replaces an earlier one, as tar does
            }

            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(path);
                    directories.Add((path, entry.ModificationTime));
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    // CreateNew is O_CREAT|O_EXCL: it never opens through a symlink.
                    using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                    {
                        entry.DataStream?.CopyTo(file);
                    }

                    break;
                case TarEntryType.SymbolicLink:
                    if (entry.LinkName.Length == 0)
                    {
                        throw Refuse(entry.Name, "symbolic link without a target");
                    }

                    // The target is resolved inside the container (even an absolute one); only writing through
                    // the link while unpacking would be dangerous, and WalkParents refuses that.
                    File.CreateSymbolicLink(path, entry.LinkName);
                    break;
                case TarEntryType.HardLink:
                    var source = Path.Combine(root, Normalize(entry.LinkName));
                    WalkParents(root, Path.GetDirectoryName(source)!, entry.Name, create: false);
                    if (source == path || KindOf(source) is Kind.Missing or Kind.Directory)
                    {
                        throw Refuse(entry.Name, $"hard link to '{entry.LinkName}', which is not a file earlier in this layer");
                    }

                    Native.Link(source, path); // link(2) does not follow a symlink source on Linux
                    continue; // shares the source's inode, owner, mode and times
                case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                    var type = entry.EntryType switch
                    {
                        TarEntryType.CharacterDevice => Native.S_IFCHR,
                        TarEntryType.BlockDevice => Native.S_IFBLK,
                        _ => Native.S_IFIFO,
                    };
                    var (major, minor) = entry is PosixTarEntry posix ? (posix.DeviceMajor, posix.DeviceMinor) : (0, 0);
                    Native.Mknod(path, type | ((uint)entry.Mode & 0xfff), major, minor);
                    break;
                default:
                    throw Refuse(entry.Name, $"unsupported entry type {entry.EntryType}");
            }

            ApplyMetadata(entry, path);
            ApplyXattrs(entry, path, xattrs);
            if (entry.EntryType != TarEntryType.Directory)
            {
                Native.SetTimesNoFollow(path, entry.ModificationTime);
            }
        }

        // Directory times last, deepest first: creating their children changed them.
        foreach (var (dir, mtime) in Enumerable.Reverse(directories))
        {
            if (KindOf(dir) == Kind.Directory)
            {
                Native.SetTimesNoFollow(dir, mtime);
            }
        }
    }

    /// <summary>
    /// The extended attributes that matter in a root filesystem, after chown (which clears file capabilities):
    /// file capabilities, POSIX ACLs and user attributes, as docker applies them, and overlayfs' opaque mark (a layer
    /// made from an overlay upper directory carries it instead of a .wh..wh..opq entry). Other trusted.* and
    /// security.* attributes (overlay redirects, SELinux labels of another host) are not applied: they would steer
    /// overlayfs or the host's security modules from an image. Symbolic links take none.
    /// </summary>
    private static void ApplyXattrs(TarEntry entry, string path, Dictionary<string, byte[]> xattrs)
    {
        if (entry.EntryType == TarEntryType.SymbolicLink)
        {
            return;
        }

        foreach (var (name, value) in xattrs)
        {
            var applies = name is "security.capability" or "system.posix_acl_access" or "system.posix_acl_default"
                          || name.StartsWith("user.", StringComparison.Ordinal)
                          || (name == "trusted.overlay.opaque" && value is [(byte)'y'] && entry.EntryType == TarEntryType.Directory);
            if (applies)
            {
                Native.SetXattr(path, name, value);
            }
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
            if (part == "..")
            {
                throw Refuse(name, "path goes up with '..'");
            }

            if (part != ".")
            {
                parts.Add(part);
            }
        }

        return string.Join('/', parts);
    }

    /// <summary>
    /// Checks every component from <paramref name="root"/> down to <paramref name="directory"/> with lstat: each must
    /// be a real directory (a symlink would redirect the write), or missing, when it is created if <paramref name="create"/>.
    /// </summary>
    private static void WalkParents(string root, string directory, string entryName, bool create)
    {
        if (directory == root)
        {
            return;
        }

        var current = root;
        foreach (var part in Path.GetRelativePath(root, directory).Split('/'))
        {
            current = Path.Combine(current, part);
            switch (KindOf(current))
            {
                case Kind.Symlink:
                    throw Refuse(entryName, $"it would be written through the symbolic link '{Path.GetRelativePath(root, current)}'");
                case Kind.Other:
                    throw Refuse(entryName, $"'{Path.GetRelativePath(root, current)}' is not a directory");
                case Kind.Missing when create:
                    Directory.CreateDirectory(current);
                    break;
                case Kind.Missing:
                    throw Refuse(entryName, $"'{Path.GetRelativePath(root, current)}' does not exist earlier in this layer");
            }
        }
    }

    private static void ApplyMetadata(TarEntry entry, string path)
    {
        Native.Lchown(path, entry.Uid, entry.Gid);
        if (entry.EntryType != TarEntryType.SymbolicLink)
        {
            // After chown, which clears set-id bits. The path is never a symlink here, so chmod cannot escape.
#pragma warning disable CA1416 // layers are unpacked on Linux only
            File.SetUnixFileMode(path, (UnixFileMode)((int)entry.Mode & 0xfff));
#pragma warning restore CA1416
        }
    }

    private static Kind KindOf(string path)
    {
        var info = new FileInfo(path); // lstat: a symlink is reported as one, not as its target
        var attributes = info.Attributes;
        if ((int)attributes == -1)
        {
            return Kind.Missing;
        }

        if (attributes.HasFlag(FileAttributes.ReparsePoint))
        {
            return Kind.Symlink;
        }

        return attributes.HasFlag(FileAttributes.Directory) ? Kind.Directory : Kind.Other;
    }

    private static void RemoveExisting(string path)
    {
        switch (KindOf(path))
        {
            case Kind.Directory:
                Directory.Delete(path, recursive: true); // unlinks symlinks inside, never follows them
                break;
            case Kind.Symlink or Kind.Other:
                File.Delete(path);
                break;
        }
    }

    private static ImageStoreException Refuse(string entry, string why) =>
        ImageStoreException.Invalid($"refusing archive entry '{entry}': {why}. The archive is unsafe to unpack; nothing was stored.");
}
