using Flotilla.Client.Models;

namespace Flotilla.Client;

/// <summary>/_ping, /version, /info.</summary>
public sealed class SystemClient
{
    private readonly Transport _transport;

    internal SystemClient(Transport transport) => _transport = transport;

    public async Task PingAsync(CancellationToken ct = default) => await _transport.SendAsync(HttpMethod.Get, "_ping", ct);

    public Task<VersionResponse> VersionAsync(CancellationToken ct = default) =>
        _transport.GetJsonAsync("version", FlotillaJsonContext.Default.VersionResponse, ct);

    public Task<SystemInfo> InfoAsync(CancellationToken ct = default) =>
        _transport.GetJsonAsync("info", FlotillaJsonContext.Default.SystemInfo, ct);
}
