using Microsoft.AspNetCore.Http.Features;

namespace Flotilla.Host.Api;

/// <summary>
/// Takes over an HTTP connection for a raw bidirectional stream, as docker's attach and exec do: "101 Switching
/// Protocols" with "Upgrade: tcp" when the client asked for an upgrade, otherwise a streamed 200 response.
/// The client may half-close the connection (its input ended, or it had none) and still read the output.
/// </summary>
public static class Hijack
{
    public static async Task<Stream> AcceptAsync(HttpContext context, bool tty)
    {
        // docker's CLI half-closes at once when it has no input to send (CloseWrite after copying nothing), and
        // reads on: the output must outlive the client's end of the connection either way.
        context.Features.Get<HalfCloseConnection.IHalfCloseFeature>()?.Allow();

        var contentType = tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream";
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is { IsUpgradableRequest: true })
        {
            context.Response.Headers.ContentType = contentType;
            context.Response.Headers.Upgrade = "tcp";
            return await upgrade.UpgradeAsync();
        }

        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.ContentType = contentType;
        await context.Response.StartAsync();
        return new DuplexHttpStream(context.Request.Body, context.Response.Body);
    }

    /// <summary>Request body in, response body out: the non-upgraded form of a hijacked connection.</summary>
    private sealed class DuplexHttpStream(Stream input, Stream output) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => output.Flush();
        public override Task FlushAsync(CancellationToken ct) => output.FlushAsync(ct);
        public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => input.ReadAsync(buffer, ct);
        public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => output.WriteAsync(buffer, ct);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
