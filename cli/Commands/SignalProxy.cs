using System.Runtime.InteropServices;
using Flotilla.Client;

namespace Flotilla.Cli.Commands;

/// <summary>
/// docker run's sig-proxy: while attached, SIGINT, SIGTERM, SIGHUP and SIGQUIT go to the container instead of
/// ending flotilla, which keeps streaming until the container exits and then exits with its code.
/// </summary>
public sealed class SignalProxy : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];

    public SignalProxy(FlotillaClient client, string containerId)
    {
        foreach (var (signal, name) in new[] { (PosixSignal.SIGINT, "SIGINT"), (PosixSignal.SIGTERM, "SIGTERM"), (PosixSignal.SIGHUP, "SIGHUP"), (PosixSignal.SIGQUIT, "SIGQUIT") })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                _ = ForwardAsync(client, containerId, name);
            }));
        }
    }

    private static async Task ForwardAsync(FlotillaClient client, string containerId, string signal)
    {
        try
        {
            await client.Containers.KillAsync(containerId, signal);
        }
        catch (Exception e) when (e is FlotillaApiException or DaemonUnavailableException or HttpRequestException)
        {
            // Not running (yet or any more): nothing to deliver it to.
        }
    }

    public void Dispose() => _registrations.ForEach(r => r.Dispose());
}
