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
/// <remarks>
/// Everything that adds content goes through an <see cref="ImageIngest"/>: it pins what it adds or finds so that
/// garbage collection (after a removal) never deletes it half-way, and when it ends without naming an image it
/// takes back whatever it added, so a failed import or load leaves the store as it was.
/// </remarks>
public sealed partial class ImageStore
{
    private readonly string _root;
    private readonly ILogger _logger;

    // Guards _images, _pins, index.json and every rename of a blob or layer into or out of place.
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _pins = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _unpacking = new(StringComparer.Ordinal);
    private readonly List<StoredImage> _images;

    public ImageStore(string root, ILogger logger)
    {
        _root = Path.GetFullPath(root);
        _logger = logger;
        Directory.CreateDirectory(BlobDirectory);
        Directory.CreateDirectory(LayerDirectory);
        DeleteTree(TempDirectory); // what an interrupted import or load left
        Directory.CreateDirectory(TempDirectory);
        Directory.CreateDirectory(PartialDirectory);
        DeleteStalePartials();
        var layout = Path.Combine(_root, "oci-layout");
        if (!File.Exists(layout))
        {
            WriteAtomically(layout, "{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray());
        }

        _images = ReadIndex(out var complete);
        if (complete)
        {
            CollectGarbage(only: null); // blobs and layers a crash left before their image was recorded
        }
    }

    private string BlobDirectory => Path.Combine(_root, "blobs", "sha256");

    private string LayerDirectory => Path.Combine(_root, "layers");

    private string TempDirectory => Path.Combine(_root, "tmp");

    // Layer downloads that were cut off keep what arrived here, named by the blob's digest, so that a later pull
    // (of a restarted daemon too) resumes them. They are not content of the store: nothing refers to them.
    private string PartialDirectory => Path.Combine(_root, "partial");

    private static readonly TimeSpan PartialLifetime = TimeSpan.FromDays(1);

    private string PartialPath(string digest) => Path.Combine(PartialDirectory, Digests.Hex(digest));

    /// <summary>Bytes kept of a layer blob whose download was cut off (0 when there are none).</summary>
    internal long PartialLength(string digest) => new FileInfo(PartialPath(digest)) is { Exists: true } f ? f.Length : 0;

    private void DeleteStalePartials()
    {
        foreach (var partial in new DirectoryInfo(PartialDirectory).EnumerateFiles())
        {
            if (DateTime.UtcNow - partial.LastWriteTimeUtc > PartialLifetime)
            {
                _logger.LogInformation("Deleting {Partial}, a download cut off more than a day ago", partial.FullName);
                partial.Delete();
            }
        }
    }

    public string BlobPath(string digest) => Path.Combine(BlobDirectory, Digests.Hex(digest));

    public string LayerPath(string diffId) => Path.Combine(LayerDirectory, Digests.Hex(diffId));

    /// <summary>Starts adding content (blobs, layers, images); dispose it when done.</summary>
    public ImageIngest BeginIngest() => new(this);

    /// <summary>
    /// Adds a blob, verifying it against <paramref name="expectedDigest"/> when given; returns its digest. A blob no
    /// image refers to may be collected after the next removal: to build an image, use <see cref="BeginIngest"/>.
    /// </summary>
    public async Task<string> AddBlobAsync(Stream content, string? expectedDigest, CancellationToken ct)
    {
        using var ingest = BeginIngest();
        var digest = await ingest.AddBlobAsync(content, expectedDigest, ct);
        ingest.Keep();
        return digest;
    }

    /// <summary>A blob's bytes, verified against its digest. A corrupted blob is removed and reported, never returned.</summary>
    public byte[] ReadBlob(string digest)
    {
        var path = BlobPath(digest);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw ImageStoreException.NotFound($"blob {digest} is not in the image store");
        }

        if (Digests.Of(bytes) != digest)
        {
            throw Corrupted(digest);
        }

        return bytes;
    }

    /// <summary>Unpacked layer directories of an image, lowest first; a layer missing on disk is unpacked again from its blob.</summary>
    public async Task<IReadOnlyList<string>> GetLayerDirectoriesAsync(ImageRecord image, CancellationToken ct)
    {
        var stored = Find(image.Id);
        using var ingest = BeginIngest();
        var dirs = new List<string>();
        for (var i = 0; i < stored.Manifest.Layers.Count; i++)
        {
            dirs.Add(await ingest.UnpackLayerAsync(stored.Manifest.Layers[i].Digest, stored.Config.RootFs.DiffIds[i], ct));
        }

        return dirs;
    }

    /// <summary>Reports a corrupted blob and removes it, so that importing, loading or pulling it again repairs the store.</summary>
    internal ImageStoreException Corrupted(string digest)
    {
        _logger.LogError("Blob {Digest} is corrupted on disk (its content no longer matches its digest); removing it", digest);
        lock (_lock)
        {
            File.Delete(BlobPath(digest));
        }

        return new ImageStoreException(ImageStoreErrorKind.Failed,
            $"blob {digest} in the image store is corrupted (its content does not match its digest) and was removed; " +
            "remove the image and import, load or pull it again");
    }

    internal void Pin(string key)
    {
        lock (_lock)
        {
            _pins[key] = _pins.GetValueOrDefault(key) + 1;
        }
    }

    internal void Unpin(IEnumerable<string> keys)
    {
        lock (_lock)
        {
            foreach (var key in keys)
            {
                if (--_pins[key] == 0)
                {
                    _pins.Remove(key);
                }
            }
        }
    }

    internal static string BlobKey(string digest) => "blob:" + Digests.Hex(digest);

    internal static string LayerKey(string diffId) => "layer:" + Digests.Hex(diffId);

    /// <summary>Moves a verified temp file into place as blob <paramref name="digest"/>; false when it was there already.</summary>
    internal bool CommitBlob(string tempFile, string digest)
    {
        lock (_lock)
        {
            var path = BlobPath(digest);
            if (File.Exists(path))
            {
                File.Delete(tempFile);
                return false;
            }

            File.Move(tempFile, path);
            return true;
        }
    }

    /// <summary>
    /// Unpacks a layer blob once into layers/DIFFID (to a temp directory first, renamed when whole), verifying the
    /// blob against its digest and the unpacked stream against the diff id. Concurrent callers for one layer wait
    /// for a single unpack. The caller has pinned the layer.
    /// </summary>
    internal async Task<(string Path, bool Created)> EnsureLayerAsync(string blobDigest, string diffId, CancellationToken ct)
    {
        var target = LayerPath(diffId);
        if (Directory.Exists(target))
        {
            return (target, false);
        }

        var gate = _unpacking.GetOrAdd(Digests.Hex(diffId), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            if (Directory.Exists(target))
            {
                return (target, false);
            }

            var temp = TempPath();
            try
            {
                await Task.Run(() => UnpackVerified(blobDigest, diffId, temp), ct);
                lock (_lock)
                {
                    Directory.Move(temp, target);
                }

                _logger.LogInformation("Unpacked layer {DiffId} from blob {Blob}", diffId, blobDigest);
                return (target, true);
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

    /// <summary>
    /// Stores a layer blob and unpacks it in the same pass over <paramref name="content"/> (a download need not be
    /// read back from disk): the blob goes to a temp file and the layer to a temp directory, and both are renamed
    /// into place only once the blob matches its digest and the unpacked stream its diff id. The caller has pinned
    /// both. Returns whether each was new.
    /// </summary>
    internal async Task<(bool BlobAdded, bool LayerAdded)> IngestLayerAsync(Stream content, string blobDigest, string diffId, long resumeFrom, CancellationToken ct)
    {
        var gate = _unpacking.GetOrAdd(Digests.Hex(diffId), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        var partial = PartialPath(blobDigest);
        var tempLayer = TempPath();
        var keepPartial = false;
        try
        {
            var target = LayerPath(diffId);
            var unpack = !Directory.Exists(target);
            await Task.Run(() =>
            {
                // The bytes an earlier, cut-off download kept are hashed and unpacked again, read back from disk,
                // before the rest (from resumeFrom on) arrives and is appended: the digest covers the whole blob.
                using var file = new FileStream(partial, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1 << 16);
                if (file.Length < resumeFrom)
                {
                    throw new InvalidOperationException($"only {file.Length} bytes of blob {blobDigest} were kept, not {resumeFrom}");
                }

                file.SetLength(resumeFrom);
                file.Position = resumeFrom;
                using var kept = new FileStream(partial, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
                using var blob = new HashingStream(new SequenceStream(kept, new TeeStream(content, file)));
                Exception? unreadable = null;
                string? unpackedDigest = null;
                if (unpack)
                {
                    try
                    {
                        using var decompressed = Compression.Decompress(blob);
                        using var tar = new HashingStream(decompressed);
                        LayerUnpacker.Unpack(tar, tempLayer);
                        tar.Drain();
                        unpackedDigest = tar.Digest;
                    }
                    catch (Exception e) when (e is InvalidDataException or FormatException)
                    {
                        unreadable = e;
                    }
                }

                blob.Drain();
                file.Flush();
                if (blob.Digest != blobDigest)
                {
                    throw ImageStoreException.Invalid($"blob content does not match its digest: expected {blobDigest}, got {blob.Digest}");
                }

                if (unreadable is not null)
                {
                    throw ImageStoreException.Invalid($"layer {blobDigest} is not a tar archive (plain or gzip): {unreadable.Message}");
                }

                if (unpack && unpackedDigest != diffId)
                {
                    throw ImageStoreException.Invalid($"layer {blobDigest} does not match its diff id: the image says {diffId}, its content is {unpackedDigest}");
                }
            }, ct);

            var blobAdded = CommitBlob(partial, blobDigest);
            var layerAdded = false;
            if (unpack)
            {
                lock (_lock)
                {
                    if (!Directory.Exists(target))
                    {
                        Directory.Move(tempLayer, target);
                        layerAdded = true;
                    }
                }

                _logger.LogInformation("Unpacked layer {DiffId} from blob {Blob} as it arrived", diffId, blobDigest);
            }

            return (blobAdded, layerAdded);
        }
        catch (Exception e) when (e is not ImageStoreException)
        {
            keepPartial = true; // the transfer failed, not the content: a later pull continues from what arrived
            throw;
        }
        finally
        {
            if (!keepPartial)
            {
                DeleteTree(partial);
            }

            DeleteTree(tempLayer);
            gate.Release();
        }
    }

    private void UnpackVerified(string blobDigest, string diffId, string target)
    {
        FileStream file;
        try
        {
            file = File.OpenRead(BlobPath(blobDigest));
        }
        catch (FileNotFoundException)
        {
            throw new ImageStoreException(ImageStoreErrorKind.Failed,
                $"layer blob {blobDigest} is missing from the image store (it was corrupted or deleted); remove the image and import, load or pull it again");
        }

        using (file)
        using (var blob = new HashingStream(file))
        {
            Exception? unreadable = null;
            string? unpackedDigest = null;
            try
            {
                using var decompressed = Compression.Decompress(blob);
                using var tar = new HashingStream(decompressed);
                LayerUnpacker.Unpack(tar, target);
                tar.Drain();
                unpackedDigest = tar.Digest;
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
            {
                unreadable = e;
            }

            blob.Drain();
            if (blob.Digest != blobDigest)
            {
                throw Corrupted(blobDigest);
            }

            if (unreadable is not null)
            {
                throw ImageStoreException.Invalid($"layer {blobDigest} is not a tar archive (plain or gzip): {unreadable.Message}");
            }

            if (unpackedDigest != diffId)
            {
                throw ImageStoreException.Invalid($"layer {blobDigest} does not match its diff id: the image says {diffId}, its content is {unpackedDigest}");
            }
        }
    }

    /// <summary>
    /// Deletes blobs and unpacked layers that no image refers to and no ingest holds: all of them, or those among
    /// <paramref name="only"/> (pin keys).
    /// </summary>
    internal void CollectGarbage(IReadOnlyCollection<string>? only)
    {
        var doomedLayers = new List<string>();
        lock (_lock)
        {
            var used = _images.SelectMany(i => i.Manifest.Layers.Select(l => BlobKey(l.Digest))
                    .Append(BlobKey(i.Manifest.Config.Digest))
                    .Append(BlobKey(i.ManifestDigest))
                    .Concat(i.Config.RootFs.DiffIds.Select(LayerKey)))
                .ToHashSet(StringComparer.Ordinal);
            var candidates = only ?? Directory.GetFiles(BlobDirectory).Select(f => "blob:" + Path.GetFileName(f))
                .Concat(Directory.GetDirectories(LayerDirectory).Select(d => "layer:" + Path.GetFileName(d))).ToList();
            foreach (var key in candidates.Where(k => !used.Contains(k) && !_pins.ContainsKey(k)))
            {
                var hex = key[(key.IndexOf(':') + 1)..];
                if (key.StartsWith("blob:", StringComparison.Ordinal))
                {
                    File.Delete(Path.Combine(BlobDirectory, hex));
                }
                else if (Directory.Exists(Path.Combine(LayerDirectory, hex)))
                {
                    // Renamed away first: a half-deleted layer must never be mistaken for an unpacked one.
                    var doomed = TempPath();
                    Directory.Move(Path.Combine(LayerDirectory, hex), doomed);
                    doomedLayers.Add(doomed);
                }

                _logger.LogInformation("Removed unused {Item}", key);
            }
        }

        foreach (var dir in doomedLayers)
        {
            DeleteTree(dir);
        }
    }

    internal string TempPath() => Path.Combine(TempDirectory, Guid.NewGuid().ToString("N"));

    /// <summary>Temp file + rename: a crash leaves the old content or the new, never half.</summary>
    private void WriteAtomically(string path, byte[] bytes)
    {
        var temp = TempPath();
        using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    internal static T ParseJson<T>(byte[] bytes, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(bytes, type) ?? throw new JsonException("it is null");
        }
        catch (JsonException e)
        {
            throw ImageStoreException.Invalid($"{what} is not valid JSON of the expected shape: {e.Message}");
        }
    }

    internal static void DeleteTree(string path)
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
