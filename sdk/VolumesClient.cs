using Flotilla.Client.Models;

namespace Flotilla.Client;

/// <summary>/volumes/…: named volumes.</summary>
public sealed class VolumesClient
{
    private readonly Transport _transport;

    internal VolumesClient(Transport transport) => _transport = transport;

    public Task<Volume> CreateAsync(VolumeCreateRequest request, CancellationToken ct = default) =>
        _transport.SendJsonAsync(HttpMethod.Post, "volumes/create", request, FlotillaJsonContext.Default.VolumeCreateRequest, FlotillaJsonContext.Default.Volume, ct);

    public async Task<IReadOnlyList<Volume>> ListAsync(CancellationToken ct = default) =>
        (await _transport.GetJsonAsync("volumes", FlotillaJsonContext.Default.VolumeListResponse, ct)).Volumes;

    public Task<Volume> InspectAsync(string name, CancellationToken ct = default) =>
        _transport.GetJsonAsync($"volumes/{Uri.EscapeDataString(name)}", FlotillaJsonContext.Default.Volume, ct);

    public Task RemoveAsync(string name, bool force = false, CancellationToken ct = default) =>
        _transport.SendAsync(HttpMethod.Delete, $"volumes/{Uri.EscapeDataString(name)}?force={(force ? 1 : 0)}", ct);
}
