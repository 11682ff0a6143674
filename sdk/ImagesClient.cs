using System.Text.Json;
using Flotilla.Client.Models;

namespace Flotilla.Client;

/// <summary>/images/…: the node's image store.</summary>
public sealed class ImagesClient
{
    private readonly Transport _transport;

    internal ImagesClient(Transport transport) => _transport = transport;

    public Task<List<ImageSummary>> ListAsync(CancellationToken ct = default) =>
        _transport.GetJsonAsync("images/json", FlotillaJsonContext.Default.ListImageSummary, ct);

    public Task<ImageInspect> InspectAsync(string name, CancellationToken ct = default) =>
        _transport.GetJsonAsync($"images/{name}/json", FlotillaJsonContext.Default.ImageInspect, ct);

    public async Task<IReadOnlyList<ImageDeleteResponseItem>> RemoveAsync(string name, bool force = false, CancellationToken ct = default)
    {
        using var response = await _transport.SendAsync(HttpMethod.Delete, $"images/{name}?force={(force ? 1 : 0)}", null, ct);
        return (await response.Content.ReadFromJsonAsync(FlotillaJsonContext.Default.ListImageDeleteResponseItem, ct))!;
    }

    /// <summary>
    /// docker import: a root filesystem tarball (plain or gzipped) becomes a one-layer image, tagged
    /// <paramref name="repository"/>[:<paramref name="tag"/>] when given (the repository may carry the tag itself).
    /// <paramref name="changes"/> are Dockerfile instructions (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL). Returns the image id.
    /// </summary>
    public async Task<string> ImportAsync(Stream tarball, string? repository = null, string? tag = null, IEnumerable<string>? changes = null,
        CancellationToken ct = default)
    {
        var query = "images/create?fromSrc=-";
        if (repository is not null)
        {
            query += "&repo=" + Uri.EscapeDataString(repository);
        }

        if (tag is not null)
        {
            query += "&tag=" + Uri.EscapeDataString(tag);
        }

        foreach (var change in changes ?? [])
        {
            query += "&changes=" + Uri.EscapeDataString(change);
        }

        var messages = await PostStreamAsync(query, tarball, ct);
        return messages.LastOrDefault(m => m.Status is not null)?.Status ?? "";
    }

    /// <summary>docker load: a `docker save` or OCI layout tarball. Returns what the daemon said it loaded.</summary>
    public async Task<IReadOnlyList<string>> LoadAsync(Stream tarball, CancellationToken ct = default) =>
        [.. (await PostStreamAsync("images/load", tarball, ct)).Select(m => m.Stream?.TrimEnd('\n')).OfType<string>()];

    public Task TagAsync(string source, string repository, string? tag, CancellationToken ct = default) =>
        _transport.SendAsync(HttpMethod.Post, $"images/{source}/tag?repo={Uri.EscapeDataString(repository)}" + (tag is null ? "" : $"&tag={Uri.EscapeDataString(tag)}"), ct);

    private async Task<List<JsonMessage>> PostStreamAsync(string path, Stream body, CancellationToken ct)
    {
        var content = new StreamContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-tar");
        using var response = await _transport.SendAsync(HttpMethod.Post, path, content, ct, HttpCompletionOption.ResponseHeadersRead);
        var messages = new List<JsonMessage>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var message = JsonSerializer.Deserialize(line, FlotillaJsonContext.Default.JsonMessage)!;
            if (message.Error is not null || message.ErrorDetail is not null)
            {
                throw new FlotillaApiException(System.Net.HttpStatusCode.InternalServerError, message.ErrorDetail?.Message ?? message.Error!);
            }

            messages.Add(message);
        }

        return messages;
    }
}
