using System.Runtime.InteropServices;

namespace Flotilla.Cli;

/// <summary>
/// This terminal's size, and following it: as docker's CLI, a container's or an exec's terminal (`-t`) starts at
/// this terminal's size and is resized with it (SIGWINCH).
/// </summary>
public static partial class TerminalWindow
{
    private const nuint TIOCGWINSZ = 0x5413;

    /// <summary>[height, width] of the terminal on stdout; null when stdout is not a terminal.</summary>
    public static unsafe int[]? Size()
    {
        if (Console.IsOutputRedirected || !OperatingSystem.IsLinux())
        {
            return null;
        }

        var winsize = stackalloc ushort[4];
        return ioctl(1, TIOCGWINSZ, winsize) == 0 && winsize[0] > 0 && winsize[1] > 0 ? [winsize[0], winsize[1]] : null;
    }

    /// <summary>
    /// Calls <paramref name="resize"/> with the new size at each change of this terminal's size, until disposed.
    /// A resize that fails changes nothing the user needs to hear about (docker's CLI ignores it too).
    /// </summary>
    public static IDisposable? Follow(Func<int, int, Task> resize)
    {
        if (Size() is null)
        {
            return null;
        }

        return PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => SendSize(resize));
    }

    /// <summary>Follows as <see cref="Follow"/>, and sets the size once now (for a terminal that already runs).</summary>
    public static IDisposable? SetAndFollow(Func<int, int, Task> resize)
    {
        var following = Follow(resize);
        SendSize(resize);
        return following;
    }

    private static void SendSize(Func<int, int, Task> resize)
    {
        if (Size() is [var height, var width])
        {
            _ = resize(height, width).ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int ioctl(int fd, nuint request, ushort* value);
}
