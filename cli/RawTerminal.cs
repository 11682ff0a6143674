using System.Runtime.InteropServices;

namespace Flotilla.Cli;

/// <summary>
/// Puts this terminal in raw mode while a container's terminal (`-t`) is attached, as docker's CLI does: keys go to
/// the container unprocessed (Ctrl-C included, which the container's terminal turns into its own SIGINT), and the
/// container's terminal does the echoing. Restored when disposed. Nothing when stdin is not a terminal.
/// </summary>
public sealed partial class RawTerminal : IDisposable
{
    private const int TcsaNow = 0;

    // struct termios is 60 bytes on Linux; cfmakeraw and tcsetattr need no more than its address.
    private readonly byte[]? _saved;

    private RawTerminal(byte[]? saved) => _saved = saved;

    public static RawTerminal Enter()
    {
        if (Console.IsInputRedirected || !OperatingSystem.IsLinux())
        {
            return new RawTerminal(null);
        }

        var saved = new byte[64];
        if (tcgetattr(0, saved) != 0)
        {
            return new RawTerminal(null);
        }

        var raw = (byte[])saved.Clone();
        cfmakeraw(raw);
        return tcsetattr(0, TcsaNow, raw) == 0 ? new RawTerminal(saved) : new RawTerminal(null);
    }

    public void Dispose()
    {
        if (_saved is not null)
        {
            tcsetattr(0, TcsaNow, _saved);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcgetattr(int fd, byte[] termios);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcsetattr(int fd, int actions, byte[] termios);

    [LibraryImport("libc")]
    private static partial void cfmakeraw(byte[] termios);
}
