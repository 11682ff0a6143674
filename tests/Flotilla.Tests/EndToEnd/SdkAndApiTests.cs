using System.Net;
using System.Net.Sockets;
using System.Text;
using Flotilla.Client;
using Flotilla.Client.Models;
using Flotilla.Tests.Harness;

namespace Flotilla.Tests.EndToEnd;

/// <summary>The same daemon through the .NET SDK and through plain HTTP, as other docker tools would use it.</summary>
[Collection("daemon")]
public sealed class SdkAndApiTests(SharedDaemon shared)
{
    private Daemon D => shared.Daemon;

    private FlotillaClient Client() => new(new FlotillaClientOptions { Host = D.Host });

    [Fact]
    public async Task Sdk_runs_a_container_and_streams_its_output()
    {
        using var client = Client();
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var code = await client.Containers.RunAsync(new ContainerCreateRequest
        {
            Image = "busybox",
            Cmd = ["sh", "-c", "echo out; echo err >&2; exit 5"],
            HostConfig = new HostConfig { AutoRemove = true },
        }, stdout, stderr);
        Assert.Equal(5, code);
        Assert.Equal("out\n", Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal("err\n", Encoding.UTF8.GetString(stderr.ToArray()));
    }

    [Fact]
    public async Task Sdk_errors_carry_the_daemon_message()
    {
        using var client = Client();
        var e = await Assert.ThrowsAsync<FlotillaApiException>(() => client.Containers.InspectAsync("no-such-container-sdk"));
        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
        Assert.Contains("No such container: no-such-container-sdk", e.Message);

        using var nobody = new FlotillaClient(new FlotillaClientOptions { Host = "unix:///tmp/no-such-flotilla-sdk.sock" });
        await Assert.ThrowsAsync<DaemonUnavailableException>(() => nobody.System.PingAsync());
    }

    [Fact]
    public async Task Sdk_lists_images_and_volumes()
    {
        using var client = Client();
        var images = await client.Images.ListAsync();
        Assert.Contains(images, i => i.RepoTags.Contains("busybox:latest"));
        var name = D.Name + "-sdkvol";
        await client.Volumes.CreateAsync(new VolumeCreateRequest { Name = name });
        Assert.Contains(await client.Volumes.ListAsync(), v => v.Name == name);
        await client.Volumes.RemoveAsync(name);
    }

    [Fact]
    public async Task Ping_answers_like_docker_on_plain_and_versioned_paths()
    {
        foreach (var (method, path) in new[] { ("HEAD", "/_ping"), ("GET", "/_ping"), ("GET", "/v1.41/_ping"), ("GET", "/v1.43/version") })
        {
            var response = await RawHttpAsync($"{method} {path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 200", response);
            Assert.Contains("Api-Version: 1.43", response);
            if (path.EndsWith("_ping") && method == "GET")
            {
                Assert.EndsWith("OK", response.TrimEnd());
            }
        }
    }

    [Fact]
    public async Task Attach_is_answered_with_101_and_multiplexed_frames()
    {
        using var client = Client();
        var created = await client.Containers.CreateAsync(new ContainerCreateRequest
        {
            Image = "busybox",
            Cmd = ["echo", "framed"],
            HostConfig = new HostConfig { AutoRemove = true },
        });
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(D.Socket));
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"POST /v1.43/containers/{created.Id}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n"));
        var head = await ReadUntilAsync(socket, "\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 101", head);
        Assert.Contains("Upgrade: tcp", head);

        await client.Containers.StartAsync(created.Id);
        var frame = new byte[8 + 7];
        var read = 0;
        while (read < frame.Length)
        {
            var n = await socket.ReceiveAsync(frame.AsMemory(read));
            Assert.True(n > 0, "stream ended early");
            read += n;
        }

        Assert.Equal(1, frame[0]);
        Assert.Equal(7, frame[7]);
        Assert.Equal("framed\n", Encoding.ASCII.GetString(frame, 8, 7));
    }

    private async Task<string> RawHttpAsync(string request)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(D.Socket));
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    private static async Task<string> ReadUntilAsync(Socket socket, string marker)
    {
        var text = new StringBuilder();
        var one = new byte[1];
        while (!text.ToString().EndsWith(marker))
        {
            Assert.True(await socket.ReceiveAsync(one) == 1, "connection closed before the response head ended");
            text.Append((char)one[0]);
        }

        return text.ToString();
    }
}
