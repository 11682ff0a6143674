using System.Net.Sockets;
using System.Text;

namespace Flotilla.Client.Tests;

/// <summary>
/// A one-connection server on a unix socket in a temporary directory that speaks a scripted answer, to test the
/// SDK's own wire handling (request heads, hijacking, half-close) without a daemon.
/// </summary>
internal sealed class FakeDaemon : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("flotilla-client-tests-").FullName;
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly Task _serving;

    /// <param name="answer">Given the request head and the accepted connection, answers it.</param>
    public FakeDaemon(Func<string, NetworkStream, Task> answer)
    {
        SocketPath = Path.Combine(_directory, "flotilla.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(1);
        _serving = ServeAsync(answer);
    }

    public string SocketPath { get; }

    public string RequestHead { get; private set; } = "";

    public FlotillaClient Client() => new(new FlotillaClientOptions { Host = "unix://" + SocketPath });

    private async Task ServeAsync(Func<string, NetworkStream, Task> answer)
    {
        using var socket = await _listener.AcceptAsync();
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(one) == 1)
        {
            head.Append((char)one[0]);
        }

        RequestHead = head.ToString();
        await answer(RequestHead, stream);
        socket.Shutdown(SocketShutdown.Both);
    }

    /// <summary>Waits for the scripted answer to finish, surfacing its failures.</summary>
    public Task Served => _serving.WaitAsync(TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        try
        {
            await _serving.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // The test has already reported what went wrong.
        }

        Directory.Delete(_directory, recursive: true);
    }
}
