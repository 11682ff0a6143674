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
