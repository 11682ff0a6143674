using System.Runtime.InteropServices;

namespace Flotilla.Images;

/// <summary>The few libc calls .NET has no API for: owners and times without following links, device nodes, hard links, xattrs.</summary>
internal static partial class Native
{
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFBLK = 0x6000;
    public const uint S_IFIFO = 0x1000;

    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, int owner, int group);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mknod(string path, uint mode, ulong dev);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string oldPath, string newPath);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lsetxattr(string path, string name, byte[] value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int utimensat(int dirfd, string path, Timespec[] times, int flags);

    public static void Lchown(string path, int uid, int gid) => Check(lchown(path, uid, gid), "chown", path);

    public static void Mknod(string path, uint typeAndMode, int major, int minor) =>
        Check(mknod(path, typeAndMode, MakeDev(major, minor)), "mknod", path);

    public static void Link(string existing, string path) => Check(link(existing, path), "hard link", path);

    public static void SetXattr(string path, string name, byte[] value) =>
        Check(lsetxattr(path, name, value, (nuint)value.Length, 0), "setxattr " + name, path);

    /// <summary>Sets access and modification time of <paramref name="path"/> itself, never of a symlink's target.</summary>
    public static void SetTimesNoFollow(string path, DateTimeOffset time)
    {
        var ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var spec = new Timespec { Seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest), Nanoseconds = rest * 100 };
        if (spec.Nanoseconds < 0)
        {
            spec.Seconds--;
            spec.Nanoseconds += 1_000_000_000;
        }

        Check(utimensat(AT_FDCWD, path, [spec, spec], AT_SYMLINK_NOFOLLOW), "set times", path);
    }

    // glibc's makedev().
    private static ulong MakeDev(int major, int minor)
    {
        var ma = (ulong)(uint)major;
        var mi = (ulong)(uint)minor;
        return (mi & 0xff) | ((ma & 0xfff) << 8) | ((mi & ~0xffUL) << 12) | ((ma & ~0xfffUL) << 32);
    }

    private static void Check(int result, string what, string path)
    {
        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"{what} {path}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }
}
