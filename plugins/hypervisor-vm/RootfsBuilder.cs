namespace Flotilla.Hypervisor.Vm;

/// <summary>
/// Merges an image's layers into one directory the guest mounts as its root: Windows and macOS have no overlayfs
/// to stack them on the host. It expects layers unpacked with OCI whiteout files (<c>.wh.NAME</c>,
/// <c>.wh..wh..opq</c>), the only form NTFS and APFS can hold. Everything it writes stays under the target: an entry
/// that a lower layer made a symlink is replaced, never followed.
/// </summary>
public static class RootfsBuilder
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueWhiteout = ".wh..wh..opq";

    public static void Build(IReadOnlyList<string> layersLowestFirst, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var layer in layersLowestFirst)
        {
            Apply(new DirectoryInfo(layer), target);
        }
    }

    private static void Apply(DirectoryInfo source, string target)
    {
        var entries = source.GetFileSystemInfos();
        if (entries.Any(e => e.Name == OpaqueWhiteout))
        {
            foreach (var below in new DirectoryInfo(target).GetFileSystemInfos())
            {
                Remove(below.FullName);
            }
        }

        foreach (var entry in entries)
        {
            var destination = Path.Combine(target, entry.Name);
            if (entry.Name == OpaqueWhiteout)
            {
                continue;
            }

            if (entry.Name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                Remove(Path.Combine(target, entry.Name[WhiteoutPrefix.Length..]));
            }
            else if (entry.LinkTarget is { } link)
            {
                Remove(destination);
                File.CreateSymbolicLink(destination, link);
            }
            else if (entry is DirectoryInfo directory)
            {
                if (!IsRealDirectory(destination))
                {
                    Remove(destination);
                    Directory.CreateDirectory(destination);
                }

                CopyMode(directory, destination);
                Apply(directory, destination);
            }
            else
            {
                Remove(destination);
                ((FileInfo)entry).CopyTo(destination);
            }
        }
    }

    private static bool IsRealDirectory(string path) =>
        new DirectoryInfo(path) is { Exists: true, LinkTarget: null };

    private static void Remove(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || info.Exists)
        {
            info.Delete();
        }
        else if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    private static void CopyMode(DirectoryInfo source, string destination)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(destination, source.UnixFileMode);
        }
    }
}
