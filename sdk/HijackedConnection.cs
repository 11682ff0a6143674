using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Flotilla.Client;

/// <summary>
/// A connection taken over for a raw stream after an HTTP request (docker's attach and exec start): the request is
/// sent with "Connection: Upgrade, Upgrade: tcp"; after "101 Switching Protocols" the socket carries the
/// container's output one way and its stdin the other. HttpClient cannot hand over such a connection, so the
/// request and response heads are spoken here directly.
/// </summary>
public sealed class HijackedConnection : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly Socket? _socket;

    private HijackedConnection(Stream stream, Socket? socket, bool multiplexed)
    {
        _stream = stream;
        _socket = socket;
        Output = multiplexed ? new MultiplexedReader(stream) : null;
    }

    /// <summary>Demultiplexed output; null for a TTY, whose bytes come unframed on <see cref="Raw"/>.</summary>
    public MultiplexedReader? Output { get; }

    /// <summary>The connection itself: output in (framed unless a TTY), stdin out.</summary>
    public Stream Raw => _stream;

    internal static async Task<HijackedConnection> OpenAsync(Transport transport, string path, bool tty, CancellationToken ct)
    {
        var stream = await transport.ConnectAsync(ct);
        try
        {
            var request = $"POST {transport.PathFor(path)} HTTP/1.1\r\n" +
                          "Host: flotilla\r\n" +
                          "Connection: Upgrade\r\n" +
                          "Upgrade: tcp\r\n" +
                          // No body: the daemon's HTTP server upgrades only requests without one.
                          "Content-Length: 0\r\n" +
                          "\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), ct);
            await stream.FlushAsync(ct);

            var head = await HttpResponseHead.ReadAsync(stream, ct);
            if (head.Status is not (101 or 200))
            {
                throw Transport.Error((HttpStatusCode)head.Status, await head.ReadBodyTextAsync(ct));
            }

            if (head.Status == 200 && head.Header("transfer-encoding") is not null)
            {
                throw new IOException("the daemon answered the attach with a chunked response instead of upgrading the connection");
            }

            return new HijackedConnection(head.Body, (stream as NetworkStream)?.Socket, IsMultiplexed(head.Header("content-type"), tty));
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>docker names the framing in Content-Type; older daemons leave it to the TTY setting.</summary>
    internal static bool IsMultiplexed(string? contentType, bool tty) => contentType switch
    {
        not null when contentType.Contains("multiplexed-stream", StringComparison.OrdinalIgnoreCase) => true,
        not null when contentType.Contains("raw-stream", StringComparison.OrdinalIgnoreCase) => false,
        _ => !tty,
    };

    /// <summary>Copies the output to <paramref name="stdout"/> and <paramref name="stderr"/> until the stream ends.</summary>
    public Task CopyOutputToAsync(Stream stdout, Stream stderr, CancellationToken ct) =>
        Output is { } output ? output.CopyToAsync(stdout, stderr, ct) : _stream.CopyToAsync(stdout, ct);

    public async ValueTask WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        await _stream.WriteAsync(data, ct);
        await _stream.FlushAsync(ct);
    }

    /// <summary>Copies <paramref name="input"/> to the container's stdin, then half-closes it so the container sees EOF.</summary>
    public async Task CopyInputFromAsync(Stream input, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int n;
            while ((n = await input.ReadAsync(buffer, ct)) > 0)
            {
                await WriteInputAsync(buffer.AsMemory(0, n), ct);
            }

            CloseInput();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // The container ended (and the connection with it) before its input did.
        }
    }

    /// <summary>Tells the container its stdin ended, keeping the output open.</summary>
    public void CloseInput() => _socket?.Shutdown(SocketShutdown.Send);

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
