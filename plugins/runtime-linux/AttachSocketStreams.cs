using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Flotilla.Plugins;

namespace Flotilla.Runtime.Linux;

/// <summary>
/// The monitor's attach socket (monitor.c; conmon's protocol): a unix SOCK_SEQPACKET socket whose messages start with one byte naming the stream
/// (2 stdout, 3 stderr); what is written to it goes to the container's stdin.
/// </summary>
public sealed class AttachSocketStreams : IContainerStreams
{
    private const int BufferSize = 8192 + 1;
    private readonly Socket _socket;

    private AttachSocketStreams(Socket socket) => _socket = socket;

    public static async Task<AttachSocketStreams> ConnectAsync(string path, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
            return new AttachSocketStreams(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async IAsyncEnumerable<OutputFrame> ReadOutputAsync([EnumeratorCancellation] CancellationToken ct)
    {
        while (true)
        {
            var buffer = new byte[BufferSize];
            int n;
            try
            {
                n = await _socket.ReceiveAsync(buffer, SocketFlags.None, ct);
            }
            catch (SocketException)
            {
                yield break;
            }

            if (n <= 0)
            {
                yield break;
            }

            var stream = buffer[0] switch { 2 => StdStream.Stdout, 3 => StdStream.Stderr, _ => (StdStream?)null };
            if (stream is { } s && n > 1)
            {
                yield return new OutputFrame(s, buffer.AsMemory(1, n - 1));
            }
        }
    }

    public async ValueTask WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        while (!data.IsEmpty)
        {
            var chunk = data[..Math.Min(data.Length, BufferSize - 1)];
            await _socket.SendAsync(chunk, SocketFlags.None, ct);
            data = data[chunk.Length..];
        }
    }

    public ValueTask CloseInputAsync(CancellationToken ct)
    {
        _socket.Shutdown(SocketShutdown.Send);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
