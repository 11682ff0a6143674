using System.Net;
using System.Text;

namespace Flotilla.Client;

/// <summary>
/// A connection taken over for a raw stream after an HTTP request (docker's attach and exec start): the request is
/// sent with "Connection: Upgrade, Upgrade: tcp"; after "101 Switching Protocols" (or a streamed 200) the socket
/// carries the container's output one way and its stdin the other. HttpClient cannot hand over such a connection.
/// </summary>
public sealed class HijackedConnection : IAsyncDisposable
{
    private readonly Stream _stream;

    private HijackedConnection(Stream stream, bool multiplexed)
    {
        _stream = stream;
        Output = multiplexed ? new MultiplexedReader(stream) : null;
        Raw = stream;
    }

    /// <summary>Demultiplexed output; null for a TTY, whose bytes come as they are on <see cref="Raw"/>.</summary>
    public MultiplexedReader? Output { get; }

    public Stream Raw { get; }

    internal static async Task<HijackedConnection> OpenAsync(Transport transport, string path, byte[]? body, bool tty, CancellationToken ct)
    {
        var stream = await transport.ConnectAsync(ct);
        try
        {
            var head = new StringBuilder()
                .Append($"POST {transport.PathFor(path)} HTTP/1.1\r\n")
                .Append("Host: flotilla\r\n")
                .Append("Connection: Upgrade\r\n")
                .Append("Upgrade: tcp\r\n");
            if (body is not null)
            {
                head.Append("Content-Type: application/json\r\n").Append($"Content-Length: {body.Length}\r\n");
            }
            else
            {
                head.Append("Content-Length: 0\r\n");
            }

            head.Append("\r\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), ct);
            if (body is not null)
            {
                await stream.WriteAsync(body, ct);
            }

            await stream.FlushAsync(ct);
            var (status, headers, leftover) = await ReadHeadAsync(stream, ct);
            if (status is not (101 or 200))
            {
                var text = leftover.Length > 0 ? Encoding.UTF8.GetString(leftover) : "";
                if (headers.TryGetValue("content-length", out var length) && int.TryParse(length, out var n))
                {
                    var rest = new byte[Math.Max(0, n - leftover.Length)];
                    await stream.ReadExactlyAsync(rest, ct);
                    text += Encoding.UTF8.GetString(rest);
                }

                using var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(text) };
                throw await Transport.ErrorAsync(response, ct);
            }

            var payload = leftover.Length > 0 ? new PrefixedStream(leftover, stream) : stream;
            var multiplexed = !tty && !(headers.TryGetValue("content-type", out var type) && type.Contains("raw-stream") && tty);
            return new HijackedConnection(payload, multiplexed);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    public async ValueTask WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        await _stream.WriteAsync(data, ct);
        await _stream.FlushAsync(ct);
    }

    /// <summary>Tells the container its stdin ended, keeping the output open.</summary>
    public void CloseInput()
    {
        var inner = _stream is PrefixedStream p ? p.Inner : _stream;
        if (inner is System.Net.Sockets.NetworkStream ns)
        {
            ns.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        }
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    private static async Task<(int Status, Dictionary<string, string> Headers, byte[] Leftover)> ReadHeadAsync(Stream stream, CancellationToken ct)
    {
        var buffer = new List<byte>(1024);
        var one = new byte[1024];
        while (true)
        {
            var n = await stream.ReadAsync(one, ct);
            if (n == 0)
            {
                throw new IOException("the daemon closed the connection before answering");
            }

            buffer.AddRange(one.AsSpan(0, n));
            var end = IndexOfHeadEnd(buffer);
            if (end < 0)
            {
                continue;
            }

            var head = Encoding.ASCII.GetString(buffer.GetRange(0, end).ToArray());
            var lines = head.Split("\r\n");
            var status = int.Parse(lines[0].Split(' ')[1]);
            var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
                .GroupBy(p => p[0].Trim().ToLowerInvariant()).ToDictionary(g => g.Key, g => g.First()[1].Trim());
            return (status, headers, buffer.GetRange(end + 4, buffer.Count - end - 4).ToArray());
        }
    }

    private static int IndexOfHeadEnd(List<byte> b)
    {
        for (var i = 0; i + 3 < b.Count; i++)
        {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
