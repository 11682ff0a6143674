using System.Net.Sockets;
using System.Runtime.InteropServices;
using Flotilla.Plugins;
using Microsoft.Win32.SafeHandles;

namespace Flotilla.Runtime.Linux;

/// <summary>
/// The OCI console socket: the runtime connects to it and sends the master of the pseudo-terminal it made for the
/// process (one fd, SCM_RIGHTS), as it does to conmon or to our monitor for <c>run -t</c>; used here for
/// <c>exec -t</c>, where no monitor stands between the daemon and the runtime.
/// </summary>
internal sealed partial class ConsoleSocket : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public ConsoleSocket(string path)
    {
        Path = path;
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(1);
    }

    public string Path { get; }

    /// <summary>The terminal's master, once the runtime sends it; null when <paramref name="runtimeExited"/> comes first.</summary>
    public async Task<FileStream?> ReceiveTerminalAsync(Task runtimeExited, CancellationToken ct)
    {
        var accepting = _listener.AcceptAsync(ct).AsTask();
        // A short process can end, and its runtime with it, before the accept completes: the runtime's connection
        // then waits in the backlog, and the output waits in the terminal.
        if (await Task.WhenAny(accepting, runtimeExited) != accepting && !_listener.Poll(0, SelectMode.SelectRead))
        {
            return null;
        }

        using var connection = await accepting;
        var fd = ReceiveFd((int)connection.Handle);
        return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.ReadWrite, bufferSize: 0);
    }

    public void Dispose()
    {
        _listener.Dispose();
        File.Delete(Path);
    }

    private static unsafe int ReceiveFd(int socket)
    {
        var data = stackalloc byte[4096]; // the runtime sends the terminal's name along
        var control = stackalloc byte[64];
        var iov = new IoVector { Base = data, Length = 4096 };
        var message = new MessageHeader { Iov = &iov, IovLength = 1, Control = control, ControlLength = 64 };
        if (recvmsg(socket, &message, 0) < 0)
        {
            throw new PluginException($"receiving the terminal from the runtime failed: errno {Marshal.GetLastPInvokeError()}");
        }

        // struct cmsghdr { size_t len; int level; int type; } then the data: one int, SOL_SOCKET (1) / SCM_RIGHTS (1).
        return message.ControlLength >= 20 && *(int*)(control + 8) == 1 && *(int*)(control + 12) == 1
            ? *(int*)(control + 16)
            : throw new PluginException("the runtime sent no terminal on the console socket");
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint recvmsg(int socket, MessageHeader* message, int flags);
}
