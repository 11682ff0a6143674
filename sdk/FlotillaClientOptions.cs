namespace Flotilla.Client;

public sealed class FlotillaClientOptions
{
    public const string DefaultSocket = "/run/flotilla/flotilla.sock";

    /// <summary>unix:///path/to/socket; from FLOTILLA_HOST when not given.</summary>
    public string Host { get; set; } = Environment.GetEnvironmentVariable("FLOTILLA_HOST") is { Length: > 0 } h ? h : "unix://" + DefaultSocket;

    /// <summary>The API version the client speaks; the daemon answers on /v{ApiVersion}/….</summary>
    public string ApiVersion { get; set; } = "1.43";

    public string SocketPath =>
        Host.StartsWith("unix://", StringComparison.Ordinal) && Host.Length > "unix://".Length ? Host["unix://".Length..]
        : Host.StartsWith('/') ? Host
        : throw new ArgumentException($"daemon host '{Host}' (from -H or FLOTILLA_HOST) is not supported: give a unix socket as unix:///path/to/flotilla.sock");
}
