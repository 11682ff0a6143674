using System.Net;

namespace Flotilla.Client;

/// <summary>The daemon refused a request; <see cref="Exception.Message"/> is the daemon's own explanation.</summary>
public class FlotillaApiException(HttpStatusCode statusCode, string message) : Exception(message)
{
    public HttpStatusCode StatusCode { get; } = statusCode;
}

/// <summary>No daemon answers at the configured socket.</summary>
public sealed class DaemonUnavailableException(string socketPath, Exception inner)
    : Exception($"Cannot connect to the Flotilla daemon at unix://{socketPath}. Is flotillad running? Start it with `flotillad` (see README), or point FLOTILLA_HOST / -H at its socket.", inner);
