using Flotilla.Client.Models;
using Flotilla.Grains;
using Flotilla.Images;
using Flotilla.Images.Oci;

namespace Flotilla.Host.Api;

/// <summary>GET /images/{name}/history and POST /images/prune, as docker answers them.</summary>
public static class ImageHistory
{
    /// <summary>The image's build steps, newest first; steps that made a layer carry its size, the newest the image id.</summary>
    public static List<ImageHistoryItem> Of(ImageStore store, string name)
    {
        var image = store.Resolve(name);
        var manifest = System.Text.Json.JsonSerializer.Deserialize(store.ReadBlob(image.ManifestDigest), OciJsonContext.Default.ImageManifest)!;
        var history = image.Config.History is { Count: > 0 } h
            ? h
            : manifest.Layers.Select(_ => new HistoryEntry { Created = image.Config.Created }).ToList();
        var layer = 0;
        var items = history.Select(entry => new ImageHistoryItem
        {
            Created = (entry.Created ?? DateTimeOffset.UnixEpoch).ToUnixTimeSeconds(),
            CreatedBy = entry.CreatedBy ?? "",
            Comment = entry.Comment ?? "",
            Size = entry.EmptyLayer == true || layer >= manifest.Layers.Count ? 0 : manifest.Layers[layer++].Size,
        }).Reverse().ToList();
        items[0].Id = image.Id;
        items[0].Tags = [.. image.RepoTags.Select(t => t.Familiar)];
        return items;
    }

    /// <summary>
    /// Removes images no container uses: those without a name (dangling), or every unused one with
    /// filters={"dangling":["false"]}.
    /// </summary>
    public static async Task<IResult> PruneAsync(HttpRequest request, ImageStore store, Containers containers)
    {
        var all = Query.String(request, "filters") is { } filters
                  && System.Text.Json.JsonDocument.Parse(filters).RootElement.TryGetProperty("dangling", out var dangling)
                  && dangling.EnumerateArray().Any(v => v.GetString() is "false" or "0");
        var used = (await containers.ListAsync()).Select(c => c.ImageId).ToHashSet(StringComparer.Ordinal);
        var response = new ImagesPruneResponse { ImagesDeleted = [] };
        foreach (var image in store.List().Where(i => !used.Contains(i.Id) && (all || i.RepoTags.Count == 0)))
        {
            var removed = await store.RemoveAsync(image.Id, force: true, _ => null, request.HttpContext.RequestAborted);
            response.ImagesDeleted.AddRange(removed.Select(r => new ImageDeleteResponseItem { Untagged = r.Untagged, Deleted = r.Deleted }));
            response.SpaceReclaimed += image.Size;
        }

        return Results.Json(response, FlotillaJsonContext.Default.ImagesPruneResponse);
    }
}
