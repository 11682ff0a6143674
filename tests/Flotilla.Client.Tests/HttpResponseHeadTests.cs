using System.Net;
using System.Text;

namespace Flotilla.Client.Tests;

public sealed class HttpResponseHeadTests
{
    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 1 })]
    [InlineData(new[] { 5, 13 })]
    public async Task The_head_is_parsed_and_bytes_after_it_stay_in_the_body(int[] chunks)
    {
        var frames = Frames.Of((1, "early output\n"));
        var head = "HTTP/1.1 101 Switching Protocols\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"u8.ToArray();
        var response = await HttpResponseHead.ReadAsync(new TrickleStream([.. head, .. frames], chunks), CancellationToken.None);

        Assert.Equal(101, response.Status);
        Assert.Equal("tcp", response.Header("Upgrade"));
        Assert.Equal("application/vnd.docker.multiplexed-stream", response.Header("content-type"));
        var frame = await new MultiplexedReader(response.Body).ReadAsync();
        Assert.Equal("early output\n", Encoding.UTF8.GetString(frame!.Value.Data.Span));
    }

    [Fact]
    public async Task A_chunked_error_body_is_decoded()
    {
        var json = """{"message":"No such container: nope"}""";
        var text = $"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                   $"{json.Length - 10:x}\r\n{json[..^10]}\r\n{10:x}\r\n{json[^10..]}\r\n0\r\n\r\n";
        var response = await HttpResponseHead.ReadAsync(new TrickleStream(Encoding.ASCII.GetBytes(text), 7), CancellationToken.None);

        Assert.Equal(404, response.Status);
        var body = await response.ReadBodyTextAsync(CancellationToken.None);
        Assert.Equal(json, body);
        Assert.Equal("No such container: nope", Transport.Error((HttpStatusCode)response.Status, body).Message);
    }

    [Fact]
    public async Task A_content_length_error_body_is_read_whole()
    {
        var text = "HTTP/1.1 409 Conflict\r\nContent-Length: 26\r\n\r\n{\"message\":\"name in use\"}\n";
        var response = await HttpResponseHead.ReadAsync(new TrickleStream(Encoding.ASCII.GetBytes(text), 4), CancellationToken.None);
        Assert.Equal("{\"message\":\"name in use\"}\n", await response.ReadBodyTextAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_connection_closed_before_the_head_ends_is_an_error()
    {
        var e = await Assert.ThrowsAsync<IOException>(() =>
            HttpResponseHead.ReadAsync(new MemoryStream("HTTP/1.1 101 Switching"u8.ToArray()), CancellationToken.None));
        Assert.Contains("closed the connection", e.Message);
    }

    [Fact]
    public async Task Something_that_is_not_HTTP_is_an_error()
    {
        var e = await Assert.ThrowsAsync<IOException>(() =>
            HttpResponseHead.ReadAsync(new MemoryStream("SSH-2.0-OpenSSH\r\n\r\n"u8.ToArray()), CancellationToken.None));
        Assert.Contains("not HTTP", e.Message);
    }

    [Theory]
    [InlineData("""{"message":"No such image: x"}""", "No such image: x")]
    [InlineData("plain text from a proxy", "plain text from a proxy")]
    [InlineData("", "the daemon answered 500 InternalServerError without an explanation")]
    public void Error_bodies_become_the_daemon_message(string body, string message)
    {
        var e = Transport.Error(HttpStatusCode.InternalServerError, body);
        Assert.Equal(message, e.Message);
        Assert.Equal(HttpStatusCode.InternalServerError, e.StatusCode);
    }

    [Theory]
    [InlineData("application/vnd.docker.multiplexed-stream", true, true)]
    [InlineData("application/vnd.docker.raw-stream", false, false)]
    [InlineData(null, false, true)]
    [InlineData(null, true, false)]
    public void Framing_follows_the_content_type_then_the_tty(string? contentType, bool tty, bool multiplexed)
    {
        Assert.Equal(multiplexed, HijackedConnection.IsMultiplexed(contentType, tty));
    }
}
