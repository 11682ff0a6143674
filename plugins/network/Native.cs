using System.Runtime.InteropServices;

namespace Flotilla.Network;

/// <summary>The libc calls the driver makes itself: netlink sockets and network namespaces.</summary>
internal static partial class Native
{
    public const int AfNetlink = 16;
    public const int SockRaw = 3;
    public const int SockCloexec = 0x80000;
    public const int NetlinkRoute = 0;
    public const int CloneNewNet = 0x40000000;
    public const ulong MsBind = 4096;
    public const int MntDetach = 2;
    public const int ORdonly = 0;
    public const int OCloexec = 0x80000;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint send(int fd, ReadOnlySpan<byte> buffer, nint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recv(int fd, Span<byte> buffer, nint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int unshare(int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mount(string source, string target, string? type, ulong flags, nint data);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int umount2(string target, int flags);

    public static int Check(int result, string what) =>
        result >= 0 ? result : throw new Flotilla.Plugins.PluginException($"{what} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
}
