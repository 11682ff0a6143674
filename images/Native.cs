using System.Runtime.InteropServices;

namespace Flotilla.Images;

/// <summary>The few libc calls .NET has no API for: owners without following links, device nodes, hard links, xattrs.</summary>
internal static partial class Native
{
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFBLK = 0x6000;
    public const uint S_IFIFO = 0x1000;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int lchown(string path, int owner, int group);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mknod(string path, uint mode, ulong dev);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int link(string oldPath, string newPath);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int lsetxattr(string path, string name, byte[] value, nuint size, int flags);

    public static ulong MakeDev(int major, int minor) =>
        ((ulong)(minor & 0xff)) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & ~0xff) << 12) | ((ulong)(major & ~0xfff) << 32);

    public static void Check(int result, string what, string path)
    {
        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"{what} {path}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }
}
