using Microsoft.Extensions.Logging;
using System.Text.Json;
using Flotilla.Images.Oci;

namespace Flotilla.Images;

// index.json: which images the store holds and which names point at them (OCI layout's ref.name annotation).
public sealed partial class ImageStore
{
    private string IndexPath => Path.Combine(_root, "index.json");

    private List<StoredImage> ReadIndex()
    {
        if (!File.Exists(IndexPath))
        {
            return [];
        }

        var index = JsonSerializer.Deserialize(File.ReadAllBytes(IndexPath), OciJsonContext.Default.ImageIndex)!;
        var images = new List<StoredImage>();
        foreach (var group in index.Manifests.GroupBy(d => d.Digest))
        {
            try
            {
                var manifest = JsonSerializer.Deserialize(ReadBlob(group.Key), OciJsonContext.Default.ImageManifest)!;
                var config = JsonSerializer.Deserialize(ReadBlob(manifest.Config.Digest), OciJsonContext.Default.ImageConfigFile)!;
                var tags = group.Select(d => d.Annotations?.GetValueOrDefault(RefNameAnnotation))
                    .OfType<string>().Select(ImageReference.TryParse).OfType<ImageReference>().ToList();
                images.Add(new StoredImage(group.Key, manifest, config, tags));
            }
            catch (Exception e) when (e is ImageStoreException or JsonException)
            {
                _logger.LogError(e, "Image {Manifest} in {Index} cannot be read; it is left out", group.Key, IndexPath);
            }
        }

        return images;
    }

    /// <summary>Writes index.json atomically (temp file + rename): a crash leaves the old or the new index, never half.</summary>
    private void WriteIndex()
    {
        var index = new ImageIndex();
        foreach (var image in _images)
        {
            var names = image.Tags.Count == 0 ? [null] : image.Tags.Select(t => (string?)t.ToString()).ToList();
            foreach (var name in names)
            {
                index.Manifests.Add(new Descriptor
                {
                    MediaType = image.Manifest.MediaType ?? MediaTypes.OciManifest,
                    Digest = image.ManifestDigest,
                    Size = new FileInfo(BlobPath(image.ManifestDigest)).Length,
                    Annotations = name is null ? null : new() { [RefNameAnnotation] = name },
                    Platform = new Platform { Architecture = image.Config.Architecture, Os = image.Config.Os },
                });
            }
        }

        var temp = TempPath();
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(index, OciJsonContext.Default.ImageIndex));
        File.Move(temp, IndexPath, overwrite: true);
    }

    /// <summary>Records an image whose blobs and layers are in place, and points <paramref name="tags"/> at it.</summary>
    private async Task<ImageRecord> AddImageAsync(string manifestDigest, ImageManifest manifest, ImageConfigFile config,
        IReadOnlyList<ImageReference> tags, CancellationToken ct)
    {
        await _metadata.WaitAsync(ct);
        try
        {
            lock (this)
            {
                foreach (var tag in tags)
                {
                    foreach (var other in _images)
                    {
                        other.Tags.Remove(tag); // a tag moves to the newer image, as in docker
                    }
                }

                var image = _images.FirstOrDefault(i => i.ManifestDigest == manifestDigest);
                if (image is null)
                {
                    image = new StoredImage(manifestDigest, manifest, config, []);
                    _images.Add(image);
                }

                image.Tags.AddRange(tags.Where(t => !image.Tags.Contains(t)));
                WriteIndex();
                return ToRecord(image);
            }
        }
        finally
        {
            _metadata.Release();
        }
    }

    public async Task TagAsync(string source, string target, CancellationToken ct)
    {
        var image = Find(source);
        var reference = ImageReference.Parse(target);
        if (reference.Digest is not null)
        {
            throw ImageStoreException.Invalid($"refusing to tag with a digest reference: {target}");
        }

        await AddImageAsync(image.ManifestDigest, image.Manifest, image.Config, [reference], ct);
    }

    /// <summary>
    /// docker rmi: a name with other names on the same image is only untagged; otherwise the image goes, and with
    /// it every blob and layer no other image uses. An image in use by a container (<paramref name="inUse"/>) or
    /// named in several repositories is kept unless <paramref name="force"/>.
    /// </summary>
    public async Task<IReadOnlyList<(string? Untagged, string? Deleted)>> RemoveAsync(string refOrId, bool force, Func<string, string?> inUse, CancellationToken ct)
    {
        var image = Find(refOrId);
        var byName = ImageReference.TryParse(refOrId) is { } reference && image.Tags.Contains(reference) ? reference : null;
        var results = new List<(string?, string?)>();
        await _metadata.WaitAsync(ct);
        try
        {
            lock (this)
            {
                if (byName is not null && image.Tags.Count > 1)
                {
                    image.Tags.Remove(byName);
                    WriteIndex();
                    return [(byName.Familiar, null)];
                }

                var user = inUse(image.Id);
                if (user is not null && !force)
                {
                    throw ImageStoreException.Conflict(
                        $"conflict: unable to remove repository reference \"{refOrId}\" (must force) - container {user[..Math.Min(12, user.Length)]} is using its referenced image {image.Id[7..19]}");
                }

                if (byName is null && image.Tags.Select(t => t.Repository).Distinct().Count() > 1 && !force)
                {
                    throw ImageStoreException.Conflict(
                        $"conflict: unable to delete {image.Id[7..19]} (must be forced) - image is referenced in multiple repositories");
                }

                results.AddRange(image.Tags.Select(t => ((string?)t.Familiar, (string?)null)));
                image.Tags.Clear();
                if (user is null)
                {
                    _images.Remove(image);
                    results.Add((null, image.Id));
                }

                WriteIndex();
            }

            CollectGarbage();
            return results;
        }
        finally
        {
            _metadata.Release();
        }
    }

    /// <summary>Deletes blobs and unpacked layers that no image refers to any more.</summary>
    private void CollectGarbage()
    {
        HashSet<string> blobs, layers;
        lock (this)
        {
            blobs = _images.SelectMany(i => i.Manifest.Layers.Select(l => Digests.Hex(l.Digest))
                .Append(Digests.Hex(i.Manifest.Config.Digest)).Append(Digests.Hex(i.ManifestDigest))).ToHashSet();
            layers = _images.SelectMany(i => i.Config.RootFs.DiffIds.Select(Digests.Hex)).ToHashSet();
        }

        foreach (var blob in Directory.GetFiles(Path.Combine(_root, "blobs", "sha256")).Where(b => !blobs.Contains(Path.GetFileName(b))))
        {
            File.Delete(blob);
        }

        foreach (var layer in Directory.GetDirectories(Path.Combine(_root, "layers")).Where(l => !layers.Contains(Path.GetFileName(l))))
        {
            // Rename first: a half-deleted layer must never be mistaken for an unpacked one.
            var doomed = TempPath();
            Directory.Move(layer, doomed);
            Directory.Delete(doomed, recursive: true);
        }
    }
}
