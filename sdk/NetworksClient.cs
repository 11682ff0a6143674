using Flotilla.Client.Models;

namespace Flotilla.Client;

/// <summary>/networks/…: container networks.</summary>
public sealed class NetworksClient
{
    private readonly Transport _transport;

    internal NetworksClient(Transport transport) => _transport = transport;

    public Task<NetworkCreateResponse> CreateAsync(NetworkCreateRequest request, CancellationToken ct = default) =>
        _transport.SendJsonAsync(HttpMethod.Post, "networks/create", request, FlotillaJsonContext.Default.NetworkCreateRequest, FlotillaJsonContext.Default.NetworkCreateResponse, ct);

    public Task<List<NetworkResource>> ListAsync(CancellationToken ct = default) =>
        _transport.GetJsonAsync("networks", FlotillaJsonContext.Default.ListNetworkResource, ct);

    public Task<NetworkResource> InspectAsync(string network, CancellationToken ct = default) =>
        _transport.GetJsonAsync($"networks/{Uri.EscapeDataString(network)}", FlotillaJsonContext.Default.NetworkResource, ct);

    public Task RemoveAsync(string network, CancellationToken ct = default) =>
        _transport.SendAsync(HttpMethod.Delete, $"networks/{Uri.EscapeDataString(network)}", ct);

    public Task ConnectAsync(string network, string container, CancellationToken ct = default) =>
        ConnectAsync(network, container, [], ct);

    /// <param name="aliases">More names for the container in the network's DNS (--alias).</param>
    public Task ConnectAsync(string network, string container, IReadOnlyList<string> aliases, CancellationToken ct = default) =>
        PostAsync($"networks/{Uri.EscapeDataString(network)}/connect",
            new NetworkConnectRequest { Container = container, EndpointConfig = aliases.Count > 0 ? new EndpointSettings { Aliases = [.. aliases] } : null }, ct);

    public Task DisconnectAsync(string network, string container, bool force = false, CancellationToken ct = default) =>
        PostAsync($"networks/{Uri.EscapeDataString(network)}/disconnect", new NetworkConnectRequest { Container = container, Force = force }, ct);

    private async Task PostAsync(string path, NetworkConnectRequest body, CancellationToken ct)
    {
        using var response = await _transport.SendAsync(HttpMethod.Post, path, Transport.Json(body, FlotillaJsonContext.Default.NetworkConnectRequest), ct);
    }
}
