using System.Globalization;
using System.Text;

namespace Flotilla.Client;

/// <summary>
/// The status line and headers of an HTTP/1.1 response read off a raw connection, for the requests HttpClient
/// cannot make (a hijacked connection). <see cref="Body"/> continues with the bytes read past the head.
/// </summary>
internal sealed class HttpResponseHead
{
    private const int MaxHeadBytes = 64 * 1024;

    private HttpResponseHead(int status, Dictionary<string, string> headers, Stream body)
    {
        Status = status;
        Headers = headers;
        Body = body;
    }

    public int Status { get; }

    /// <summary>Header names in lower case.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The connection after the head; writes go to the connection.</summary>
    public Stream Body { get; }

    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;

    public static async Task<HttpResponseHead> ReadAsync(Stream connection, CancellationToken ct)
    {
        var buffer = new byte[4096];
        var filled = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                if (buffer.Length >= MaxHeadBytes)
                {
                    throw new IOException($"the daemon's response head is longer than {MaxHeadBytes} bytes");
                }

                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var n = await connection.ReadAsync(buffer.AsMemory(filled), ct);
            if (n == 0)
            {
                throw new IOException("the daemon closed the connection before answering");
            }

            // The end marker may straddle two reads: search from just before the new bytes.
            var from = Math.Max(0, filled - 3);
            filled += n;
            var end = buffer.AsSpan(from, filled - from).IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                continue;
            }

            end += from;
            var (status, headers) = Parse(Encoding.ASCII.GetString(buffer, 0, end));
            var leftover = buffer[(end + 4)..filled];
            return new HttpResponseHead(status, headers, leftover.Length > 0 ? new PrefixedStream(leftover, connection) : connection);
        }
    }

    /// <summary>The whole body of a (short, error) response: by Content-Length, chunked, or what already arrived.</summary>
    public async Task<string> ReadBodyTextAsync(CancellationToken ct)
    {
        if (Header("transfer-encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
        {
            var body = new MemoryStream();
            while (true)
            {
                var sizeLine = await ReadLineAsync(ct);
                var size = int.Parse(sizeLine.Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (size == 0)
                {
                    return Encoding.UTF8.GetString(body.ToArray());
                }

                var chunk = new byte[size];
                await Body.ReadExactlyAsync(chunk, ct);
                body.Write(chunk);
                await ReadLineAsync(ct);
            }
        }

        if (Header("content-length") is { } length && int.TryParse(length, out var count))
        {
            var bytes = new byte[count];
            await Body.ReadExactlyAsync(bytes, ct);
            return Encoding.UTF8.GetString(bytes);
        }

        return "";
    }

    private async Task<string> ReadLineAsync(CancellationToken ct)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            await Body.ReadExactlyAsync(one, ct);
            if (one[0] == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)one[0]);
        }
    }

    private static (int Status, Dictionary<string, string> Headers) Parse(string head)
    {
        var lines = head.Split("\r\n");
        var statusLine = lines[0].Split(' ', 3);
        if (statusLine.Length < 2 || !statusLine[0].StartsWith("HTTP/", StringComparison.Ordinal) || !int.TryParse(statusLine[1], out var status))
        {
            throw new IOException($"the daemon answered with something that is not HTTP: '{lines[0]}'");
        }

        var headers = new Dictionary<string, string>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon > 0)
            {
                headers.TryAdd(line[..colon].Trim().ToLowerInvariant(), line[(colon + 1)..].Trim());
            }
        }

        return (status, headers);
    }
}
