using System.Runtime.InteropServices;

namespace Flotilla.Hypervisor.Kvm;

/// <summary>libc calls .NET lacks: mounts, FIFOs, signals, and waiting for a process that is not our child.</summary>
internal static unsafe partial class Native
{
    public const int MNT_DETACH = 2;
    public const int O_WRONLY = 1;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;
    public const int O_PATH = 0x200000;
    public const int F_GETFL = 3;
    public const int F_SETFL = 4;
    public const int ESRCH = 3;
    private const short POLLIN = 1;
    private const long SYS_pidfd_open = 434;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mount(string? source, string target, string? fstype, ulong flags, string? data);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int umount2(string target, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mkfifo(string path, int mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, int pid, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(PollFd* fds, ulong count, int timeoutMs);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    public static void Check(int rc, string what)
    {
        if (rc != 0)
        {
            throw new IOException($"{what}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    /// <summary>A pidfd for <paramref name="pid"/>, or -1 when it no longer exists.</summary>
    public static int PidfdOpen(int pid) => (int)syscall(SYS_pidfd_open, pid, 0);

    /// <summary>Whether the process behind the pidfd exited within <paramref name="timeoutMs"/>.</summary>
    public static bool PidfdExited(int pidfd, int timeoutMs)
    {
        var p = new PollFd { Fd = pidfd, Events = POLLIN };
        return poll(&p, 1, timeoutMs) > 0;
    }
}
