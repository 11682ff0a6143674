using System.Runtime.InteropServices;

namespace Flotilla.Runtime.Linux;

/// <summary>libc calls the runtime needs and .NET lacks: mounts, and spawning a process that inherits one extra fd.</summary>
internal static unsafe partial class Native
{
    public const ulong MS_RDONLY = 1;
    public const ulong MS_BIND = 4096;
    public const ulong MS_REC = 16384;
    public const ulong MS_PRIVATE = 1 << 18;
    public const ulong MS_SHARED = 1 << 20;
    public const int MNT_DETACH = 2;
    private const int O_RDONLY = 0, O_NOCTTY = 0x100, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    private const nuint TIOCSWINSZ = 0x5414;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, ushort* value);

    /// <summary>
    /// Sets a terminal's size (struct winsize); the kernel signals SIGWINCH to its foreground process group. Either
    /// side of a pseudo-terminal will do.
    /// </summary>
    public static void SetWindowSize(int fd, Flotilla.Plugins.TerminalSize size)
    {
        var winsize = stackalloc ushort[4] { (ushort)size.Height, (ushort)size.Width, 0, 0 };
        Check(ioctl(fd, TIOCSWINSZ, winsize), "set the terminal's size");
    }

    /// <summary>
    /// Opens a terminal only to set its size: O_NOCTTY, or a daemon that leads its session (as under systemd) would
    /// take it for its controlling terminal.
    /// </summary>
    public static void SetWindowSize(string path, Flotilla.Plugins.TerminalSize size)
    {
        var fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        Check(fd < 0 ? fd : 0, $"open {path}");
        try
        {
            SetWindowSize(fd, size);
        }
        finally
        {
            close(fd);
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mount(string? source, string target, string? fstype, ulong flags, string? data);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int umount2(string target, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int waitpid(int pid, int* status, int options);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int posix_spawn_file_actions_init(nint actions);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int posix_spawn_file_actions_destroy(nint actions);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int posix_spawn_file_actions_adddup2(nint actions, int fd, int newfd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int posix_spawn_file_actions_addopen(nint actions, int fd, string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int posix_spawnattr_init(nint attr);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int posix_spawnattr_destroy(nint attr);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int posix_spawnattr_setflags(nint attr, short flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int posix_spawnattr_setsigdefault(nint attr, nint sigset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int posix_spawnattr_setsigmask(nint attr, nint sigset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int sigfillset(nint set);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int sigemptyset(nint set);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int posix_spawn(int* pid, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, nint fileActions, nint attr, nint* argv, nint* envp);

    public static void Check(int result, string what)
    {
        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }
}
