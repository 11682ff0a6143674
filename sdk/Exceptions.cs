using System.Net;

namespace Flotilla.Client;

/// <summary>The daemon refused a request; <see cref="Exception.Message"/> is the daemon's own explanation.</summary>
public class FlotillaApiException(HttpStatusCode statusCode, string message) : Exception(message)
{
    public HttpStatusCode StatusCode { get; } = statusCode;
}

/// <summary>
/// The container was created but the daemon could not start it (its command is missing or not executable, a mount
/// failed, ...). Distinct from a refused create because docker's exit codes (126, 127) apply only here.
/// </summary>
public sealed class ContainerStartException(string containerId, FlotillaApiException inner)
    : FlotillaApiException(inner.StatusCode, inner.Message)
{
    public string ContainerId { get; } = containerId;
}

/// <summary>No daemon answers at the configured socket.</summary>
public sealed class DaemonUnavailableException(string socketPath, string message, Exception inner) : Exception(message, inner)
{
    public string SocketPath { get; } = socketPath;

    internal static DaemonUnavailableException For(string socketPath, Exception e) =>
        new(socketPath, e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AccessDenied }
            ? $"Permission denied while trying to connect to the Flotilla daemon socket at unix://{socketPath}. Run as root or as a user allowed to use the socket."
            : $"Cannot connect to the Flotilla daemon at unix://{socketPath}. Is flotillad running? Start it with `flotillad` (see README).",
            e);
}
