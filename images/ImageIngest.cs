using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Flotilla.Images.Oci;

namespace Flotilla.Images;

/// <summary>
/// Adds one or more images to the store: blobs (verified), unpacked layers, then the images naming them. What it
/// adds or finds is pinned until it is disposed, so a concurrent removal never collects it. Disposing it takes back
/// every blob and layer it added that no image refers to: a failed import, load or pull leaves no trace.
/// Registry pulls use it too: <see cref="HasBlob"/> to skip what is there, <see cref="AddBlobAsync"/> to stream
/// in the rest, <see cref="UnpackLayerAsync"/>, then <see cref="CommitImageAsync"/>.
/// </summary>
public sealed class ImageIngest : IDisposable
{
    private readonly ImageStore _store;
    private readonly List<string> _pins = [];
    private readonly List<string> _added = [];
    private readonly Lock _gate = new(); // a pull adds its layers concurrently
    private bool _keep;
    private bool _disposed;

    internal ImageIngest(ImageStore store) => _store = store;

    /// <summary>True when the store has the blob; it is then kept for this ingest.</summary>
    public bool HasBlob(string digest)
    {
        Pin(ImageStore.BlobKey(digest));
        return File.Exists(_store.BlobPath(digest));
    }

    /// <summary>Streams a blob in, verifying it against <paramref name="expectedDigest"/> when given; returns its digest.</summary>
    public async Task<string> AddBlobAsync(Stream content, string? expectedDigest, CancellationToken ct)
    {
        if (expectedDigest is not null)
        {
            Digests.Hex(expectedDigest); // throws for a malformed digest before anything is read
        }

        var temp = _store.TempPath();
        try
        {
            string digest;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            await using (var hashing = new HashingStream(content))
            {
                await hashing.CopyToAsync(file, ct);
                await file.FlushAsync(ct);
                digest = hashing.Digest;
            }

            if (expectedDigest is not null && digest != expectedDigest)
            {
                throw ImageStoreException.Invalid($"blob content does not match its digest: expected {expectedDigest}, got {digest}");
            }

            AddFile(temp, digest);
            return digest;
        }
        finally
        {
            ImageStore.DeleteTree(temp);
        }
    }

    /// <summary>
    /// Streams a layer blob in and unpacks it in the same pass (a pull need not read it back), verifying the blob
    /// against <paramref name="blobDigest"/> and its content against <paramref name="diffId"/> before either is
    /// renamed into place. With <paramref name="resumeFrom"/> &gt; 0, <paramref name="content"/> is the blob from that
    /// offset on, and the first bytes are those an earlier, cut-off download kept (<see cref="PartialLength"/>).
    /// </summary>
    public async Task AddLayerAsync(Stream content, string blobDigest, string diffId, long resumeFrom, CancellationToken ct)
    {
        Digests.Hex(blobDigest);
        Digests.Hex(diffId);
        Pin(ImageStore.BlobKey(blobDigest));
        Pin(ImageStore.LayerKey(diffId));
        var (blobAdded, layerAdded) = await _store.IngestLayerAsync(content, blobDigest, diffId, resumeFrom, ct);
        if (blobAdded)
        {
            Added(ImageStore.BlobKey(blobDigest));
        }

        if (layerAdded)
        {
            Added(ImageStore.LayerKey(diffId));
        }
    }

    /// <summary>Bytes kept of a layer blob whose download was cut off: where a pull of it can resume.</summary>
    public long PartialLength(string blobDigest) => _store.PartialLength(blobDigest);

    /// <summary>Unpacks a layer blob of the store into its shared directory (once); returns the directory.</summary>
    public async Task<string> UnpackLayerAsync(string blobDigest, string diffId, CancellationToken ct)
    {
        Pin(ImageStore.LayerKey(diffId));
        var (path, created) = await _store.EnsureLayerAsync(blobDigest, diffId, ct);
        if (created)
        {
            Added(ImageStore.LayerKey(diffId));
        }

        return path;
    }

    /// <summary>
    /// Records the image whose manifest is blob <paramref name="manifestDigest"/> (its config and layers already
    /// added and unpacked) and points <paramref name="tags"/> at it, moving them from any other image.
    /// <paramref name="pulledBy"/> is the "repository@digest" a registry served it by, kept for RepoDigests and lookups.
    /// </summary>
    public async Task<ImageRecord> CommitImageAsync(string manifestDigest, IReadOnlyList<ImageReference> tags, CancellationToken ct,
        ImageReference? pulledBy = null)
    {
        Pin(ImageStore.BlobKey(manifestDigest));
        var manifest = ImageStore.ParseJson(_store.ReadBlob(manifestDigest), OciJsonContext.Default.ImageManifest, $"manifest {manifestDigest}");
        Pin(ImageStore.BlobKey(manifest.Config.Digest));
        var config = ImageStore.ParseJson(_store.ReadBlob(manifest.Config.Digest), OciJsonContext.Default.ImageConfigFile, $"image config {manifest.Config.Digest}");
        if (config.RootFs.DiffIds.Count != manifest.Layers.Count)
        {
            throw ImageStoreException.Invalid(
                $"manifest {manifestDigest} lists {manifest.Layers.Count} layers but its config lists {config.RootFs.DiffIds.Count} diff ids");
        }

        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            Pin(ImageStore.BlobKey(manifest.Layers[i].Digest));
            await UnpackLayerAsync(manifest.Layers[i].Digest, config.RootFs.DiffIds[i], ct);
        }

        return _store.AddImage(manifestDigest, manifest, config, tags, pulledBy);
    }

    /// <summary>Serialises a document and adds it as a blob; returns its descriptor.</summary>
    internal Descriptor AddJson<T>(T value, JsonTypeInfo<T> type, string mediaType)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, type);
        var digest = Digests.Of(bytes);
        var temp = _store.TempPath();
        File.WriteAllBytes(temp, bytes);
        AddFile(temp, digest);
        return new Descriptor { MediaType = mediaType, Digest = digest, Size = bytes.Length };
    }

    /// <summary>Keeps what was added even if no image refers to it (a bare blob added on request).</summary>
    internal void Keep() => _keep = true;

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _store.Unpin(_pins);
        if (!_keep && _added.Count > 0)
        {
            _store.CollectGarbage(_added);
        }
    }

    private void AddFile(string verifiedTemp, string digest)
    {
        Pin(ImageStore.BlobKey(digest));
        if (_store.CommitBlob(verifiedTemp, digest))
        {
            Added(ImageStore.BlobKey(digest));
        }
    }

    private void Added(string key)
    {
        lock (_gate)
        {
            _added.Add(key);
        }
    }

    private void Pin(string key)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _store.Pin(key);
            _pins.Add(key);
        }
    }
}
