using System.Runtime.InteropServices;

namespace Flotilla.Runtime.Linux;

/// <summary>
/// Starts a program with /dev/null as stdio and one pipe as fd 3: the monitor's sync pipe, through which it reports
/// the container's pid or the runtime's error. System.Diagnostics.Process cannot pass an extra fd.
/// </summary>
internal static unsafe class Spawner
{
    private const int O_RDWR = 2;
    private const int O_CLOEXEC = 0x80000;
    private const short POSIX_SPAWN_SETSIGDEF = 0x04;
    private const short POSIX_SPAWN_SETSIGMASK = 0x08;
    private const short POSIX_SPAWN_SETSID = 0x80;

    /// <summary>Spawns <paramref name="argv"/> and returns its pid and the read end of its fd 3.</summary>
    public static (int Pid, FileStream SyncPipe) SpawnWithSyncPipe(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> env)
    {
        int* fds = stackalloc int[2];
        Native.Check(Native.pipe2(fds, O_CLOEXEC), "pipe2");
        var (readFd, writeFd) = (fds[0], fds[1]);

        // posix_spawn_file_actions_t and posix_spawnattr_t are opaque; glibc's are 80 and 336 bytes. sigset_t 128.
        var actions = Marshal.AllocHGlobal(512);
        var attr = Marshal.AllocHGlobal(1024);
        var sigset = Marshal.AllocHGlobal(256);
        var strings = new List<nint>();
        try
        {
            Native.Check(Native.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            Native.Check(Native.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDWR, 0), "addopen stdin");
            Native.Check(Native.posix_spawn_file_actions_addopen(actions, 1, "/dev/null", O_RDWR, 0), "addopen stdout");
            Native.Check(Native.posix_spawn_file_actions_addopen(actions, 2, "/dev/null", O_RDWR, 0), "addopen stderr");
            // dup2 clears close-on-exec on the new fd: only fd 3 survives the exec besides stdio.
            Native.Check(Native.posix_spawn_file_actions_adddup2(actions, writeFd, 3), "adddup2");

            Native.Check(Native.posix_spawnattr_init(attr), "posix_spawnattr_init");
            Native.sigfillset(sigset);
            Native.Check(Native.posix_spawnattr_setsigdefault(attr, sigset), "setsigdefault");
            Native.sigemptyset(sigset);
            Native.Check(Native.posix_spawnattr_setsigmask(attr, sigset), "setsigmask");
            // A session of its own: the monitor must not get the daemon's terminal signals, nor die with it.
            Native.Check(Native.posix_spawnattr_setflags(attr, (short)(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID)), "setflags");

            var argvPtr = stackalloc nint[argv.Count + 1];
            for (var i = 0; i < argv.Count; i++)
            {
                argvPtr[i] = Marshal.StringToCoTaskMemUTF8(argv[i]);
                strings.Add(argvPtr[i]);
            }

            argvPtr[argv.Count] = 0;
            var envList = env.Select(kv => $"{kv.Key}={kv.Value}").ToList();
            var envPtr = stackalloc nint[envList.Count + 1];
            for (var i = 0; i < envList.Count; i++)
            {
                envPtr[i] = Marshal.StringToCoTaskMemUTF8(envList[i]);
                strings.Add(envPtr[i]);
            }

            envPtr[envList.Count] = 0;
            int pid;
            var rc = Native.posix_spawn(&pid, argv[0], actions, attr, argvPtr, envPtr);
            if (rc != 0)
            {
                Native.close(readFd);
                throw new IOException($"cannot start {argv[0]}: {Marshal.GetPInvokeErrorMessage(rc)}");
            }

            return (pid, new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(readFd, ownsHandle: true), FileAccess.Read, 1));
        }
        finally
        {
            Native.close(writeFd);
            Native.posix_spawn_file_actions_destroy(actions);
            Native.posix_spawnattr_destroy(attr);
            Marshal.FreeHGlobal(actions);
            Marshal.FreeHGlobal(attr);
            Marshal.FreeHGlobal(sigset);
            strings.ForEach(Marshal.FreeCoTaskMem);
        }
    }

    /// <summary>Reaps a spawned child so it does not linger as a zombie. Returns its wait status.</summary>
    public static int Reap(int pid)
    {
        int status;
        int rc;
        do
        {
            rc = Native.waitpid(pid, &status, 0);
        }
        while (rc < 0 && Marshal.GetLastPInvokeError() == 4); // EINTR

        return status;
    }
}
