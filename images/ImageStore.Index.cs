using System.Text.Json;
using Flotilla.Images.Oci;
using Microsoft.Extensions.Logging;

namespace Flotilla.Images;

// index.json: which images the store holds and which names point at them. One descriptor per name, annotated with
// org.opencontainers.image.ref.name = the full normalised reference, so `skopeo copy oci:ROOT:docker.io/library/busybox:latest`
// can read the store; an untagged image has one descriptor without a name.
public sealed partial class ImageStore
{
    private const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    // The "repository@digest" references an image was pulled by, space-separated, on each of its descriptors.
    private const string PulledByAnnotation = "io.flotilla.image.pulled-by";
    private const int MinIdPrefixLength = 3;

    private sealed record StoredImage(string ManifestDigest, ImageManifest Manifest, ImageConfigFile Config, List<ImageReference> Tags, List<ImageReference> PulledBy)
    {
        public string Id => Manifest.Config.Digest;
    }

    private string IndexPath => Path.Combine(_root, "index.json");

    public IReadOnlyList<ImageRecord> List()
    {
        lock (_lock)
        {
            return [.. _images.Select(ToRecord)];
        }
    }

    /// <summary>
    /// docker's lookup: a reference (name[:tag], name@digest), a full id with or without "sha256:", or an
    /// unambiguous id prefix of at least 3 hex digits.
    /// </summary>
    public ImageRecord Resolve(string refOrId)
    {
        lock (_lock)
        {
            return ToRecord(FindLocked(refOrId));
        }
    }

    public Task TagAsync(string source, string target, CancellationToken ct)
    {
        var reference = ImageReference.Parse(target);
        if (reference.Digest is not null)
        {
            throw ImageStoreException.Invalid($"refusing to create a tag with a digest reference: {target}");
        }

        lock (_lock)
        {
            var image = FindLocked(source);
            AddImage(image.ManifestDigest, image.Manifest, image.Config, [reference]);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// docker rmi. By name: the name is removed; the image goes with it when it was its last name and no container
    /// uses it (a container's image keeps its last name unless <paramref name="force"/>). By id: the image goes
    /// with all its names, unless it has several names (needs force) or a container uses it (a
    /// running one always refuses; a stopped one needs force, and then the image is only untagged, because its
    /// layers are still that container's root filesystem). Blobs and layers no other image uses are deleted.
    /// </summary>
    /// <param name="inUse">Given an image id, a container that uses it, or null.</param>
    public Task<IReadOnlyList<(string? Untagged, string? Deleted)>> RemoveAsync(string refOrId, bool force, Func<string, ImageUse?> inUse, CancellationToken ct)
    {
        var id = Resolve(refOrId).Id;
        var user = inUse(id);
        var records = new List<(string?, string?)>();
        lock (_lock)
        {
            var image = FindLocked(refOrId);
            if (image.Id != id)
            {
                throw ImageStoreException.Conflict($"image {refOrId} changed while it was being removed; try again");
            }

            var byName = !IsIdPrefix(id, refOrId) && ImageReference.Parse(refOrId) is { Digest: null } name ? name : null;
            if (byName is not null)
            {
                if (!force && image.Tags.Count == 1 && user is not null)
                {
                    throw ImageStoreException.Conflict(
                        $"conflict: unable to remove repository reference \"{refOrId}\" (must force) - container {Short(user.ContainerId)} is using its referenced image {Short(id)}");
                }

                image.Tags.Remove(byName);
                records.Add((byName.Familiar, null));
                if (image.Tags.Count > 0 || user is not null)
                {
                    WriteIndex(); // other names remain, or a container keeps the now unnamed image
                    return Task.FromResult<IReadOnlyList<(string?, string?)>>(records);
                }
            }
            else
            {
                if (user is { Running: true })
                {
                    throw ImageStoreException.Conflict(
                        $"conflict: unable to delete {Short(id)} (cannot be forced) - image is being used by running container {Short(user.ContainerId)}");
                }

                if (!force && image.Tags.Count > 1)
                {
                    throw ImageStoreException.Conflict(
                        $"conflict: unable to delete {Short(id)} (must be forced) - image is referenced in multiple repositories");
                }

                if (!force && user is not null)
                {
                    throw ImageStoreException.Conflict(
                        $"conflict: unable to delete {Short(id)} (must be forced) - image is being used by stopped container {Short(user.ContainerId)}");
                }

                records.AddRange(image.Tags.Select(t => ((string?)t.Familiar, (string?)null)));
                image.Tags.Clear();
                if (user is not null)
                {
                    WriteIndex();
                    return Task.FromResult<IReadOnlyList<(string?, string?)>>(records);
                }
            }

            _images.Remove(image);
            records.Add((null, id));
            WriteIndex();
        }

        _logger.LogInformation("Deleted image {Id}", id);
        CollectGarbage(only: null);
        return Task.FromResult<IReadOnlyList<(string?, string?)>>(records);
    }

    /// <summary>Records an image whose blobs and layers are in place, and points <paramref name="tags"/> at it.</summary>
    internal ImageRecord AddImage(string manifestDigest, ImageManifest manifest, ImageConfigFile config, IReadOnlyList<ImageReference> tags,
        ImageReference? pulledBy = null)
    {
        lock (_lock)
        {
            foreach (var other in _images)
            {
                other.Tags.RemoveAll(tags.Contains); // a name moves to the newer image, as in docker
            }

            var image = _images.FirstOrDefault(i => i.ManifestDigest == manifestDigest);
            if (image is null)
            {
                image = new StoredImage(manifestDigest, manifest, config, [], []);
                _images.Add(image);
            }

            image.Tags.AddRange(tags.Distinct().Where(t => !image.Tags.Contains(t)));
            if (pulledBy is { Digest: not null } && !image.PulledBy.Contains(pulledBy))
            {
                image.PulledBy.Add(pulledBy);
            }
            WriteIndex();
            return ToRecord(image);
        }
    }

    private StoredImage Find(string refOrId)
    {
        lock (_lock)
        {
            return FindLocked(refOrId);
        }
    }

    private StoredImage FindLocked(string refOrId)
    {
        var hex = refOrId.StartsWith("sha256:", StringComparison.Ordinal) ? refOrId["sha256:".Length..] : refOrId;
        if (hex.Length == 64 && _images.FirstOrDefault(i => i.Id[7..] == hex) is { } byId)
        {
            return byId;
        }

        var reference = hex.Length == 64 ? null : ImageReference.TryParse(refOrId);
        if (reference is not null)
        {
            var byName = reference.Digest is not null
                ? _images.FirstOrDefault(i => i.ManifestDigest == reference.Digest || i.PulledBy.Contains(reference with { Tag = null }))
                : _images.FirstOrDefault(i => i.Tags.Contains(reference));
            if (byName is not null)
            {
                return byName;
            }
        }

        if (hex.Length >= MinIdPrefixLength && IsLowerHex(hex))
        {
            var byPrefix = _images.Where(i => i.Id[7..].StartsWith(hex, StringComparison.Ordinal)).Take(2).ToList();
            if (byPrefix.Count > 1)
            {
                throw ImageStoreException.Invalid($"image id prefix '{refOrId}' is ambiguous: it matches several images; give more of the id");
            }

            if (byPrefix.Count == 1)
            {
                return byPrefix[0];
            }
        }

        if (reference is null && hex.Length != 64)
        {
            ImageReference.Parse(refOrId); // throws the format error that says what is wrong
        }

        throw ImageStoreException.NotFound($"No such image: {reference?.Familiar ?? refOrId}");
    }

    private static bool IsIdPrefix(string id, string text) =>
        id.StartsWith(text, StringComparison.Ordinal) || id["sha256:".Length..].StartsWith(text, StringComparison.Ordinal);

    private static bool IsLowerHex(string s) => s.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    private static string Short(string id) => (id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..] : id) is var hex && hex.Length > 12 ? hex[..12] : hex;

    private static ImageRecord ToRecord(StoredImage s) =>
        new(s.Id, s.ManifestDigest, [.. s.Tags], s.Config, s.Manifest.Layers.Sum(l => l.Size), [.. s.PulledBy]);

    private List<StoredImage> ReadIndex(out bool complete)
    {
        complete = true;
        if (!File.Exists(IndexPath))
        {
            return [];
        }

        ImageIndex index;
        try
        {
            index = JsonSerializer.Deserialize(File.ReadAllBytes(IndexPath), OciJsonContext.Default.ImageIndex)!;
        }
        catch (JsonException e)
        {
            throw new ImageStoreException(ImageStoreErrorKind.Failed,
                $"the image store's index {IndexPath} is not valid JSON ({e.Message}); restore it or move the store away to start empty");
        }

        var images = new List<StoredImage>();
        foreach (var group in index.Manifests.GroupBy(d => d.Digest))
        {
            try
            {
                var manifest = ParseJson(ReadBlob(group.Key), OciJsonContext.Default.ImageManifest, $"manifest {group.Key}");
                var config = ParseJson(ReadBlob(manifest.Config.Digest), OciJsonContext.Default.ImageConfigFile, $"image config {manifest.Config.Digest}");
                var tags = group.Select(d => d.Annotations?.GetValueOrDefault(RefNameAnnotation))
                    .OfType<string>().Select(ImageReference.TryParse).OfType<ImageReference>().ToList();
                var pulledBy = group.SelectMany(d => (d.Annotations?.GetValueOrDefault(PulledByAnnotation) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    .Select(ImageReference.TryParse).OfType<ImageReference>().Where(r => r.Digest is not null).Distinct().ToList();
                images.Add(new StoredImage(group.Key, manifest, config, tags, pulledBy));
            }
            catch (ImageStoreException e)
            {
                complete = false;
                _logger.LogError("Image {Manifest} in {Index} cannot be read and is left out: {Error}", group.Key, IndexPath, e.Message);
            }
        }

        return images;
    }

    private void WriteIndex()
    {
        var index = new ImageIndex();
        foreach (var image in _images)
        {
            var names = image.Tags.Count == 0 ? [null] : image.Tags.Select(t => (string?)t.ToString()).ToList();
            var pulledBy = string.Join(' ', image.PulledBy);
            foreach (var name in names)
            {
                var annotations = new Dictionary<string, string>();
                if (name is not null)
                {
                    annotations[RefNameAnnotation] = name;
                }

                if (pulledBy.Length > 0)
                {
                    annotations[PulledByAnnotation] = pulledBy;
                }

                index.Manifests.Add(new Descriptor
                {
                    MediaType = image.Manifest.MediaType ?? MediaTypes.OciManifest,
                    Digest = image.ManifestDigest,
                    Size = new FileInfo(BlobPath(image.ManifestDigest)).Length,
                    Annotations = annotations.Count == 0 ? null : annotations,
                    Platform = new Platform { Architecture = image.Config.Architecture, Os = image.Config.Os },
                });
            }
        }

        WriteAtomically(IndexPath, JsonSerializer.SerializeToUtf8Bytes(index, OciJsonContext.Default.ImageIndex));
    }
}
