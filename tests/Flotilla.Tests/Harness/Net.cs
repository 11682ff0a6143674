using System.Net;
using System.Net.Sockets;

namespace Flotilla.Tests.Harness;

/// <summary>Loopback ports and HTTP retries, for tests that start servers or wait for published ports.</summary>
public static class Net
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Retries an HTTP request every 250 ms while it cannot connect yet (a port just published).</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> act, int attempts = 20)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await act();
            }
            catch (HttpRequestException) when (attempt < attempts)
            {
                await Task.Delay(250);
            }
        }
    }
}
