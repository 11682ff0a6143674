using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Flotilla.Host.Api;

/// <summary>
/// docker's CLI starts an exec with <c>POST /exec/{id}/start</c>, "Connection: Upgrade", "Upgrade: tcp" and its
/// options as a JSON body, and insists on "101". Kestrel ignores an upgrade request that has a body (it serves it
/// as a plain request), so this connection middleware drops the body of such a request before Kestrel reads it. Only
/// the first request of a connection is looked at: docker dials a fresh connection for every hijacked request. The
/// body is not needed: an exec's TTY and streams were fixed when it was created.
/// </summary>
public static class UpgradeWithBody
{
    private const int MaxHead = 16 << 10;
    private static readonly byte[] EndOfHead = "\r\n\r\n"u8.ToArray();

    public static ConnectionDelegate Middleware(ConnectionDelegate next) => async connection =>
    {
        await RewriteFirstRequestAsync(connection);
        await next(connection);
    };

    private static async Task RewriteFirstRequestAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        while (true)
        {
            var read = await input.ReadAsync();
            var buffer = read.Buffer;
            var headLength = HeadLength(buffer);
            if (headLength is null)
            {
                if (read.IsCompleted || buffer.Length > MaxHead)
                {
                    input.AdvanceTo(buffer.Start, buffer.Start); // not ours to judge: Kestrel answers it
                    return;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            var head = Encoding.ASCII.GetString(buffer.Slice(0, headLength.Value));
            if (!IsUpgradeWithBody(head, out var length, out var rewritten))
            {
                input.AdvanceTo(buffer.Start, buffer.Start);
                return;
            }

            // Wait for the whole body, then hand Kestrel the head without it and everything after it.
            while (buffer.Length < headLength.Value + length && !read.IsCompleted)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                read = await input.ReadAsync();
                buffer = read.Buffer;
            }

            var rest = buffer.Slice(Math.Min(buffer.Length, headLength.Value + length)).ToArray();
            input.AdvanceTo(buffer.End);
            var pipe = new Pipe();
            await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes(rewritten));
            await pipe.Writer.WriteAsync(rest);
            _ = CopyAsync(input, pipe.Writer);
            connection.Transport = new DuplexPipe(pipe.Reader, connection.Transport.Output);
            return;
        }

        static long? HeadLength(ReadOnlySequence<byte> buffer)
        {
            var reader = new SequenceReader<byte>(buffer);
            return reader.TryReadTo(out ReadOnlySequence<byte> _, EndOfHead) ? reader.Consumed : null;
        }
    }

    /// <summary>True for "Upgrade: tcp" with a Content-Length body; gives the head with Content-Length 0.</summary>
    internal static bool IsUpgradeWithBody(string head, out long length, out string rewritten)
    {
        length = 0;
        rewritten = head;
        var lines = head.Split("\r\n");
        string? Header(string name) => lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            .Select(p => p[1].Trim()).FirstOrDefault();

        if (!string.Equals(Header("Upgrade"), "tcp", StringComparison.OrdinalIgnoreCase)
            || Header("Connection")?.Contains("upgrade", StringComparison.OrdinalIgnoreCase) != true
            || !long.TryParse(Header("Content-Length"), out length) || length <= 0 || length > MaxHead)
        {
            return false;
        }

        rewritten = string.Join("\r\n", lines.Select(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase) ? "Content-Length: 0" : l));
        return true;
    }

    private static async Task CopyAsync(PipeReader from, PipeWriter to)
    {
        try
        {
            await from.CopyToAsync(to);
            await to.CompleteAsync();
        }
        catch (Exception e)
        {
            await to.CompleteAsync(e);
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }
}
