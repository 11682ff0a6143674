using System.Runtime.CompilerServices;
using Flotilla.Client.Models;

namespace Flotilla.Client;

/// <summary>Reads a logs answer (container or service) as frames: multiplexed, or one raw stream for a TTY.</summary>
internal static class LogFrames
{
    public static async IAsyncEnumerable<OutputFrame> ReadAsync(Transport transport, string path, [EnumeratorCancellation] CancellationToken ct)
    {
        using var response = await transport.SendAsync(HttpMethod.Get, path, null, ct, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStreamAsync(ct);
        if (!HijackedConnection.IsMultiplexed(response.Content.Headers.ContentType?.MediaType, tty: false))
        {
            var buffer = new byte[16 * 1024];
            int n;
            while ((n = await body.ReadAsync(buffer, ct)) > 0)
            {
                yield return new OutputFrame(OutputStream.Stdout, buffer.AsSpan(0, n).ToArray());
            }

            yield break;
        }

        var reader = new MultiplexedReader(body);
        while (await reader.ReadAsync(ct) is { } frame)
        {
            yield return frame;
        }
    }
}
