using System.Net;
using System.Text;

namespace Flotilla.Client.Tests;

public sealed class HijackedConnectionTests
{
    [Fact]
    public async Task Attach_upgrades_streams_output_and_half_closes_stdin()
    {
        await using var daemon = new FakeDaemon(async (_, stream) =>
        {
            // The head and the first frame in one write: the SDK must keep what it read past the head.
            await stream.WriteAsync((byte[])[.. "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n\r\n"u8.ToArray(),
                .. Frames.Of((1, "ready\n"))]);
            var input = new MemoryStream();
            await stream.CopyToAsync(input); // ends only when the client half-closes
            await stream.WriteAsync(Frames.Of((1, "got:" + Encoding.UTF8.GetString(input.ToArray())), (2, "done\n")));
        });
        using var client = daemon.Client();

        await using var connection = await client.Containers.AttachAsync("c1", stdin: true);
        await connection.CopyInputFromAsync(new MemoryStream("abc\n"u8.ToArray()), CancellationToken.None);
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        await connection.CopyOutputToAsync(stdout, stderr, CancellationToken.None);
        await daemon.Served;

        Assert.StartsWith("POST /v1.43/containers/c1/attach?stream=1&stdout=1&stderr=1&stdin=1 HTTP/1.1\r\n", daemon.RequestHead);
        Assert.Contains("Connection: Upgrade\r\n", daemon.RequestHead);
        Assert.Contains("Upgrade: tcp\r\n", daemon.RequestHead);
        Assert.Equal("ready\ngot:abc\n", Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal("done\n", Encoding.UTF8.GetString(stderr.ToArray()));
    }

    [Fact]
    public async Task A_refused_attach_carries_the_daemon_message()
    {
        await using var daemon = new FakeDaemon(async (_, stream) =>
        {
            var json = """{"message":"No such container: c2"}""";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{json.Length:x}\r\n{json}\r\n0\r\n\r\n"));
        });
        using var client = daemon.Client();

        var e = await Assert.ThrowsAsync<FlotillaApiException>(() => client.Containers.AttachAsync("c2"));
        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
        Assert.Equal("No such container: c2", e.Message);
    }

    [Fact]
    public async Task Exec_start_sends_no_body_so_the_daemon_can_upgrade()
    {
        await using var daemon = new FakeDaemon(async (_, stream) =>
            await stream.WriteAsync("HTTP/1.1 101 Switching Protocols\r\nUpgrade: tcp\r\n\r\n"u8.ToArray()));
        using var client = daemon.Client();

        await using (await client.Containers.StartExecAsync("e1"))
        {
        }

        await daemon.Served;
        Assert.StartsWith("POST /v1.43/exec/e1/start HTTP/1.1\r\n", daemon.RequestHead);
        Assert.Contains("Content-Length: 0\r\n", daemon.RequestHead);
    }
}
