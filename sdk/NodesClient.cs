using Flotilla.Client.Models;

namespace Flotilla.Client;

/// <summary>/nodes/…: the swarm's nodes (managers only).</summary>
public sealed class NodesClient
{
    private readonly Transport _transport;

    internal NodesClient(Transport transport) => _transport = transport;

    public Task<List<SwarmNode>> ListAsync(CancellationToken ct = default) =>
        _transport.GetJsonAsync("nodes", FlotillaJsonContext.Default.ListSwarmNode, ct);

    public Task<SwarmNode> InspectAsync(string idOrName, CancellationToken ct = default) =>
        _transport.GetJsonAsync($"nodes/{Uri.EscapeDataString(idOrName)}", FlotillaJsonContext.Default.SwarmNode, ct);

    /// <summary>Replaces the node's spec; <paramref name="version"/> is its Version.Index as last read.</summary>
    public async Task UpdateAsync(string idOrName, long version, NodeSpec spec, CancellationToken ct = default)
    {
        using var _ = await _transport.SendAsync(HttpMethod.Post, $"nodes/{Uri.EscapeDataString(idOrName)}/update?version={version}",
            Transport.Json(spec, FlotillaJsonContext.Default.NodeSpec), ct);
    }

    public Task RemoveAsync(string idOrName, bool force = false, CancellationToken ct = default) =>
        _transport.SendAsync(HttpMethod.Delete, $"nodes/{Uri.EscapeDataString(idOrName)}?force={(force ? 1 : 0)}", ct);
}
