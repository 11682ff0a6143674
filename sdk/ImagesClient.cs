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

    /// <summary>
    /// docker pull: fetches <paramref name="reference"/> (name[:tag] or name@digest) from its registry into the
    /// daemon's store, reporting each layer's progress. Returns the digest the registry gave.
    /// <paramref name="platform"/> ("linux/arm64") picks an image of a multi-platform index; the node's by default.
    /// </summary>
    public async Task<string> PullAsync(string reference, AuthConfig? auth = null, IProgress<PullProgress>? progress = null,
        CancellationToken ct = default, string? platform = null)
    {
        var query = "images/create?fromImage=" + Uri.EscapeDataString(reference) + (platform is null ? "" : "&platform=" + Uri.EscapeDataString(platform));
        var messages = await PostStreamAsync(query, null, ct, progress, auth);
        return messages.Select(m => m.Status).OfType<string>().LastOrDefault(s => s.StartsWith("Digest: ", StringComparison.Ordinal))?["Digest: ".Length..] ?? "";
    }

    /// <summary>docker push: sends a stored image (name:tag) to its registry. Returns the manifest digest.</summary>
    public async Task<string> PushAsync(string reference, AuthConfig? auth = null, IProgress<PullProgress>? progress = null, CancellationToken ct = default)
    {
        var (name, tag) = SplitTag(reference);
        var messages = await PostStreamAsync($"images/{name}/push" + (tag is null ? "" : "?tag=" + Uri.EscapeDataString(tag)), null, ct, progress, auth);
        var summary = messages.Select(m => m.Status).OfType<string>().LastOrDefault(s => s.Contains(": digest: ", StringComparison.Ordinal));
        return summary is null ? "" : summary.Split(' ')[2];
    }

    /// <summary>docker login: checks credentials against a registry (the daemon keeps nothing).</summary>
    public Task<AuthResponse> LoginAsync(AuthConfig auth, CancellationToken ct = default) =>
        _transport.SendJsonAsync(HttpMethod.Post, "auth", auth, FlotillaJsonContext.Default.AuthConfig, FlotillaJsonContext.Default.AuthResponse, ct);

    public Task<List<ImageHistoryItem>> HistoryAsync(string name, CancellationToken ct = default) =>
        _transport.GetJsonAsync($"images/{name}/history", FlotillaJsonContext.Default.ListImageHistoryItem, ct);

    /// <summary>Removes images no container uses: unnamed ones, or all of them with <paramref name="all"/>.</summary>
    public async Task<ImagesPruneResponse> PruneAsync(bool all = false, CancellationToken ct = default)
    {
        var query = "images/prune" + (all ? "?filters=" + Uri.EscapeDataString("{\"dangling\":[\"false\"]}") : "");
        using var response = await _transport.SendAsync(HttpMethod.Post, query, null, ct);
        return (await response.Content.ReadFromJsonAsync(FlotillaJsonContext.Default.ImagesPruneResponse, ct))!;
    }

    /// <summary>The X-Registry-Auth header docker sends: the credentials as base64url JSON.</summary>
    public static string EncodeAuth(AuthConfig auth) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(auth, FlotillaJsonContext.Default.AuthConfig)).Replace('+', '-').Replace('/', '_');

    /// <summary>"host:5000/a/b:tag" → ("host:5000/a/b", "tag"); a colon before the last slash is a port.</summary>
    private static (string Name, string? Tag) SplitTag(string reference)
    {
        var colon = reference.LastIndexOf(':');
        return colon > reference.LastIndexOf('/') ? (reference[..colon], reference[(colon + 1)..]) : (reference, null);
    }

    private async Task<List<JsonMessage>> PostStreamAsync(string path, Stream? body, CancellationToken ct,
        IProgress<PullProgress>? progress = null, AuthConfig? auth = null)
    {
        HttpContent? content = null;
        if (body is not null)
        {
            content = new StreamContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-tar");
        }

        var headers = auth is null ? null : new Dictionary<string, string> { ["X-Registry-Auth"] = EncodeAuth(auth) };
        using var response = await _transport.SendAsync(HttpMethod.Post, path, content, ct, HttpCompletionOption.ResponseHeadersRead, headers);
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
            if (message.Status is { } status)
            {
                progress?.Report(new PullProgress(message.Id, status, message.ProgressDetail?.Current, message.ProgressDetail?.Total));
            }
        }

        return messages;
    }
}
