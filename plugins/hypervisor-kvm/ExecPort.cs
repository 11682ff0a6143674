using System.Collections.Concurrent;
using System.Net.Sockets;
using Flotilla.Guest;
using Flotilla.Plugins;

namespace Flotilla.Hypervisor.Kvm;

/// <summary>
/// The host's end of a VM's exec port: one connection to the socket QEMU serves it on, carrying every exec session
/// as frames tagged with the session's id. The guest init starts, feeds and reports each session; this side hands
/// each frame to its session.
/// </summary>
internal sealed class ExecPort : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly FrameWriter _writer;
    private readonly ConcurrentDictionary<int, ExecSession> _sessions = new();
    private readonly Task _reader;
    private int _lastSession;

    private ExecPort(Socket socket, int vmPid)
    {
        _socket = socket;
        VmPid = vmPid;
        var stream = new NetworkStream(socket, ownsSocket: false);
        _writer = new FrameWriter(stream);
        _reader = Task.Run(() => ReadAsync(stream));
    }

    /// <summary>The QEMU process this connection is to: a restarted container's VM needs a new one.</summary>
    public int VmPid { get; }

    /// <summary>The connection ended: the VM is gone (or the guest hung up).</summary>
    public bool Closed => _reader.IsCompleted;

    public static async Task<ExecPort> ConnectAsync(VmFiles files, int vmPid, CancellationToken ct)
    {
        // The socket's own path may be longer than a socket address holds: reach it through a descriptor of its directory.
        var dir = Native.open(files.Vm, Native.O_PATH | Native.O_CLOEXEC);
        if (dir < 0)
        {
            throw new PluginException($"cannot open {files.Vm}: {System.Runtime.InteropServices.Marshal.GetLastPInvokeErrorMessage()}");
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint($"/proc/self/fd/{dir}/{VmFiles.ExecSocketName}"), ct);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new PluginException($"cannot reach the VM's exec port ({files.ExecSocket}): {e.Message}", PluginErrorKind.Conflict, e);
        }
        finally
        {
            Native.close(dir);
        }

        return new ExecPort(socket, vmPid);
    }

    /// <summary>Starts a process in the guest; <paramref name="request"/> is the payload init.c's start_exec reads.</summary>
    public async Task<ExecSession> StartAsync(byte[] request, CancellationToken ct)
    {
        var id = Interlocked.Increment(ref _lastSession) % Frame.MaxSession + 1;
        var session = new ExecSession(this, id);
        _sessions[id] = session;
        await SendAsync(new Frame(FrameType.Exec, request) { Session = id }, ct);
        return session;
    }

    public ValueTask SendAsync(Frame frame, CancellationToken ct) => GuardAsync(frame.Session, () => _writer.WriteAsync(frame, ct));

    public ValueTask SendStdinAsync(int session, ReadOnlyMemory<byte> data, CancellationToken ct) =>
        GuardAsync(session, () => _writer.WriteStdinAsync(data, ct, session));

    private async ValueTask GuardAsync(int session, Func<ValueTask> write)
    {
        try
        {
            await write();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Forget(session);
            throw new PluginException($"the container's VM no longer takes exec input ({e.Message}): it has stopped", PluginErrorKind.Conflict, e);
        }
    }

    /// <summary>A session nobody listens to any more: what the guest still sends for it is dropped.</summary>
    public void Forget(int session) => _sessions.TryRemove(session, out _);

    private async Task ReadAsync(Stream stream)
    {
        var reader = new FrameReader(stream, sessions: true);
        try
        {
            while (await reader.ReadAsync(CancellationToken.None) is { } frame)
            {
                if (_sessions.TryGetValue(frame.Session, out var session) && session.Deliver(frame))
                {
                    Forget(frame.Session);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException or ObjectDisposedException)
        {
            // The VM went (or this port was disposed): every session still open ends with it.
        }
        finally
        {
            foreach (var session in _sessions.Values)
            {
                session.VmGone();
            }

            _sessions.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Closing ends the reader; a VM that went first has closed it already.
        _socket.Dispose();
        await _reader;
        await _writer.DisposeAsync();
    }
}
