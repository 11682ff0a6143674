using System.Collections.Concurrent;
using System.Text.Json;
using Flotilla.Images.Oci;
using Microsoft.Extensions.Logging;

namespace Flotilla.Images;

/// <summary>
/// The node's images, content-addressed in an OCI image layout under <c>root</c>: blobs/sha256/HEX (every write
/// verified before it is renamed into place, every read verified), index.json naming the images, and
/// layers/DIFFID-HEX holding each layer unpacked once and shared by every image that has it.
/// </summary>
public sealed partial class ImageStore
{
    private const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    private readonly string _root;
    private readonly ILogger<ImageStore> _logger;
    private readonly SemaphoreSlim _metadata = new(1, 1);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _layerLocks = new();
    private List<StoredImage> _images;

    private sealed record StoredImage(string ManifestDigest, ImageManifest Manifest, ImageConfigFile Config, List<ImageReference> Tags)
    {
        public string Id => Manifest.Config.Digest;
    }

    public ImageStore(string root, ILogger<ImageStore> logger)
    {
        _root = Path.GetFullPath(root);
        _logger = logger;
        Directory.CreateDirectory(Path.Combine(_root, "blobs", "sha256"));
        Directory.CreateDirectory(Path.Combine(_root, "layers"));
        var tmp = Path.Combine(_root, "tmp");
        if (Directory.Exists(tmp))
        {
            Directory.Delete(tmp, recursive: true); // what an interrupted import or load left
        }

        Directory.CreateDirectory(tmp);
        if (!File.Exists(Path.Combine(_root, "oci-layout")))
        {
            File.WriteAllText(Path.Combine(_root, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        }

        _images = ReadIndex();
    }

    public string BlobPath(string digest) => Path.Combine(_root, "blobs", "sha256", Digests.Hex(digest));

    public string LayerPath(string diffId) => Path.Combine(_root, "layers", Digests.Hex(diffId));

    public IReadOnlyList<ImageRecord> List()
    {
        lock (this)
        {
            return [.. _images.Select(ToRecord)];
        }
    }

    /// <summary>docker's lookup: a reference (name[:tag], name@digest), a full id, or an unambiguous id prefix.</summary>
    public ImageRecord Resolve(string refOrId) => ToRecord(Find(refOrId));

    /// <summary>Unpacked layer directories, lowest first; a layer missing on disk is unpacked again from its blob.</summary>
    public async Task<IReadOnlyList<string>> GetLayerDirectoriesAsync(ImageRecord image, CancellationToken ct)
    {
        var stored = Find(image.Id);
        var dirs = new List<string>();
        for (var i = 0; i < stored.Manifest.Layers.Count; i++)
        {
            dirs.Add(await EnsureLayerAsync(stored.Manifest.Layers[i].Digest, stored.Config.RootFs.DiffIds[i], ct));
        }

        return dirs;
    }

    /// <summary>Adds a blob, verifying it against <paramref name="expectedDigest"/> when given; returns its digest.</summary>
    public async Task<string> AddBlobAsync(Stream content, string? expectedDigest, CancellationToken ct)
    {
        var temp = TempPath();
        string digest;
        await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
        await using (var hashing = new HashingStream(content))
        {
            await hashing.CopyToAsync(file, ct);
            digest = hashing.Digest;
        }

        if (expectedDigest is not null && digest != expectedDigest)
        {
            File.Delete(temp);
            throw ImageStoreException.Invalid($"blob content does not match its digest: expected {expectedDigest}, got {digest}");
        }

        CommitBlob(temp, digest);
        return digest;
    }

    /// <summary>A blob's bytes, verified against its digest.</summary>
    public byte[] ReadBlob(string digest)
    {
        var path = BlobPath(digest);
        if (!File.Exists(path))
        {
            throw ImageStoreException.NotFound($"blob {digest} is not in the store");
        }

        var bytes = File.ReadAllBytes(path);
        if (Digests.Of(bytes) != digest)
        {
            throw new ImageStoreException(ImageStoreErrorKind.Failed, $"blob {digest} is corrupted on disk ({path}); remove the image and import or pull it again");
        }

        return bytes;
    }

    private StoredImage Find(string refOrId)
    {
        lock (this)
        {
            var hex = refOrId.StartsWith("sha256:", StringComparison.Ordinal) ? refOrId[7..] : refOrId;
            var byId = _images.FirstOrDefault(i => i.Id[7..] == hex);
            if (byId is not null)
            {
                return byId;
            }

            var reference = ImageReference.TryParse(refOrId);
            if (reference is not null)
            {
                var match = reference.Digest is not null
                    ? _images.FirstOrDefault(i => i.ManifestDigest == reference.Digest)
                    : _images.FirstOrDefault(i => i.Tags.Contains(reference));
                if (match is not null)
                {
                    return match;
                }
            }

            if (IsHexPrefix(hex))
            {
                var byPrefix = _images.Where(i => i.Id[7..].StartsWith(hex, StringComparison.Ordinal)).Take(2).ToList();
                if (byPrefix.Count == 1)
                {
                    return byPrefix[0];
                }

                if (byPrefix.Count > 1)
                {
                    throw ImageStoreException.Invalid($"image id prefix '{refOrId}' is ambiguous: give more characters");
                }
            }

            if (reference is null)
            {
                ImageReference.Parse(refOrId); // throws the format error
            }

            throw ImageStoreException.NotFound($"No such image: {reference!.Familiar}");
        }
    }

    private static bool IsHexPrefix(string s) => s.Length is > 0 and <= 64 && s.All(Uri.IsHexDigit) && s.All(c => !char.IsUpper(c));

    private ImageRecord ToRecord(StoredImage s) => new(s.Id, s.ManifestDigest, [.. s.Tags], s.Config, s.Manifest.Layers.Sum(l => l.Size));

    private async Task<string> EnsureLayerAsync(string blobDigest, string diffId, CancellationToken ct)
    {
        var target = LayerPath(diffId);
        if (Directory.Exists(target))
        {
            return target;
        }

        var gate = _layerLocks.GetOrAdd(diffId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            if (Directory.Exists(target))
            {
                return target;
            }

            var temp = TempPath();
            try
            {
                await using var blob = File.OpenRead(BlobPath(blobDigest));
                await using var uncompressed = LayerUnpacker.OpenMaybeCompressed(blob);
                await using var hashing = new HashingStream(uncompressed);
                await Task.Run(() =>
                {
                    LayerUnpacker.Unpack(hashing, temp);
                    hashing.Drain();
                }, ct);
                if (hashing.Digest != diffId)
                {
                    throw ImageStoreException.Invalid($"layer {blobDigest} does not match its diff id: expected {diffId}, got {hashing.Digest}");
                }

                Directory.Move(temp, target);
                _logger.LogInformation("Unpacked layer {DiffId}", diffId);
                return target;
            }
            catch
            {
                DeleteTree(temp);
                throw;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private void CommitBlob(string temp, string digest)
    {
        var path = BlobPath(digest);
        if (File.Exists(path))
        {
            File.Delete(temp);
        }
        else
        {
            File.Move(temp, path);
        }
    }

    private string TempPath() => Path.Combine(_root, "tmp", Guid.NewGuid().ToString("N"));

    private string AddJsonBlob<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, out long size)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, type);
        var digest = Digests.Of(bytes);
        size = bytes.Length;
        var temp = TempPath();
        File.WriteAllBytes(temp, bytes);
        CommitBlob(temp, digest);
        return digest;
    }

    private static void DeleteTree(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else if (File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
