namespace Flotilla.Client.Tests;

public sealed class TransportTests
{
    [Fact]
    public async Task A_missing_socket_says_how_to_start_the_daemon()
    {
        var path = Path.Combine(Path.GetTempPath(), $"flotilla-client-tests-{Guid.NewGuid():N}.sock");
        using var client = new FlotillaClient(new FlotillaClientOptions { Host = "unix://" + path });

        var e = await Assert.ThrowsAsync<DaemonUnavailableException>(() => client.System.PingAsync());
        Assert.Equal($"Cannot connect to the Flotilla daemon at unix://{path}. Is flotillad running? Start it with `flotillad` (see README).", e.Message);
        Assert.Equal(path, e.SocketPath);
    }

    [Fact]
    public async Task A_socket_left_behind_by_a_dead_daemon_is_reported_the_same_way()
    {
        var directory = Directory.CreateTempSubdirectory("flotilla-client-tests-").FullName;
        try
        {
            var path = Path.Combine(directory, "flotilla.sock");
            // Something is at the path but nothing listens (.NET removes a socket file it bound, so use a plain file).
            await File.WriteAllTextAsync(path, "");
            using var client = new FlotillaClient(new FlotillaClientOptions { Host = "unix://" + path });
            var e = await Assert.ThrowsAsync<DaemonUnavailableException>(() => client.System.VersionAsync());
            Assert.Contains("Is flotillad running?", e.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Hijacked_connections_report_a_missing_socket_the_same_way()
    {
        var path = Path.Combine(Path.GetTempPath(), $"flotilla-client-tests-{Guid.NewGuid():N}.sock");
        using var client = new FlotillaClient(new FlotillaClientOptions { Host = "unix://" + path });
        await Assert.ThrowsAsync<DaemonUnavailableException>(() => client.Containers.AttachAsync("c"));
    }

    [Theory]
    [InlineData("unix:///run/flotilla/flotilla.sock", "/run/flotilla/flotilla.sock")]
    [InlineData("/tmp/x.sock", "/tmp/x.sock")]
    public void Hosts_name_a_unix_socket(string host, string path)
    {
        Assert.Equal(path, new FlotillaClientOptions { Host = host }.SocketPath);
    }

    [Theory]
    [InlineData("tcp://127.0.0.1:2375")]
    [InlineData("unix://")]
    [InlineData("flotilla.sock")]
    public void Other_hosts_are_refused_with_the_way_to_write_one(string host)
    {
        var e = Assert.Throws<ArgumentException>(() => new FlotillaClientOptions { Host = host }.SocketPath);
        Assert.Contains(host, e.Message);
        Assert.Contains("unix:///path/to/flotilla.sock", e.Message);
    }
}
