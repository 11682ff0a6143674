using System.Formats.Tar;
using System.Text.Json;
using Flotilla.Images.Oci;

namespace Flotilla.Images;

// Getting images in without a registry: `image import` (a root filesystem tarball) and `image load`
// (a `docker save` tarball or an OCI image layout tarball).
public sealed partial class ImageStore
{
    public async Task<ImageRecord> ImportAsync(Stream rootfsTar, ImageReference? tag, ImportOptions options, CancellationToken ct)
    {
        // The tarball is stored uncompressed, so its blob digest is its diff id; it is unpacked (and so
        // validated) before anything becomes visible in the store.
        var temp = TempPath();
        try
        {
            string diffId;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite))
            {
                await using (var buffered = new BufferedStream(rootfsTar, 1 << 16))
                {
                    await CopyMaybeCompressedAsync(buffered, file, ct);
                }

                file.Position = 0;
                await using var hashing = new HashingStream(file);
                await hashing.CopyToAsync(Stream.Null, ct);
                diffId = hashing.Digest;
            }

            CommitBlob(temp, diffId);
            await EnsureLayerAsync(diffId, diffId, ct);
            var now = DateTimeOffset.UtcNow;
            var config = new ImageConfigFile
            {
                Created = now,
                Config = new ContainerDefaults
                {
                    Env = options.Env?.ToList() ?? ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                    Cmd = options.Cmd?.ToList(),
                    Entrypoint = options.Entrypoint?.ToList(),
                    WorkingDir = options.WorkingDir,
                    User = options.User,
                    Labels = options.Labels?.ToDictionary(),
                },
                RootFs = new RootFs { DiffIds = [diffId] },
                History = [new HistoryEntry { Created = now, CreatedBy = "flotilla image import", Comment = options.Message ?? "Imported from tarball" }],
            };
            return await AddOwnImageAsync(config, [new Descriptor { MediaType = MediaTypes.OciLayer, Digest = diffId, Size = new FileInfo(BlobPath(diffId)).Length }],
                tag is null ? [] : [tag], ct);
        }
        finally
        {
            DeleteTree(temp);
        }
    }

    public async Task<IReadOnlyList<ImageRecord>> LoadAsync(Stream tarball, CancellationToken ct)
    {
        var staging = TempPath();
        try
        {
            var files = await Task.Run(() => StageArchive(tarball, staging), ct);
            if (files.ContainsKey("index.json") && files.ContainsKey("oci-layout"))
            {
                return await LoadOciLayoutAsync(files, ct);
            }

            if (files.ContainsKey("manifest.json"))
            {
                return await LoadDockerSaveAsync(files, ct);
            }

            throw ImageStoreException.Invalid("the archive is neither a `docker save` tarball (no manifest.json) nor an OCI image layout (no index.json and oci-layout)");
        }
        finally
        {
            DeleteTree(staging);
        }
    }

    private async Task<ImageRecord> AddOwnImageAsync(ImageConfigFile config, List<Descriptor> layers, IReadOnlyList<ImageReference> tags, CancellationToken ct)
    {
        var configDigest = AddJsonBlob(config, OciJsonContext.Default.ImageConfigFile, out var configSize);
        var manifest = new ImageManifest
        {
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = configDigest, Size = configSize },
            Layers = layers,
        };
        var manifestDigest = AddJsonBlob(manifest, OciJsonContext.Default.ImageManifest, out _);
        return await AddImageAsync(manifestDigest, manifest, config, tags, ct);
    }

    private async Task<IReadOnlyList<ImageRecord>> LoadDockerSaveAsync(Dictionary<string, string> files, CancellationToken ct)
    {
        var entries = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(files["manifest.json"], ct), OciJsonContext.Default.ListDockerSaveEntry)
                      ?? throw ImageStoreException.Invalid("manifest.json of the docker save tarball is empty");
        var loaded = new List<ImageRecord>();
        foreach (var entry in entries)
        {
            var configBytes = await File.ReadAllBytesAsync(StagedFile(files, entry.Config), ct);
            var config = JsonSerializer.Deserialize(configBytes, OciJsonContext.Default.ImageConfigFile)!;
            if (config.RootFs.DiffIds.Count != entry.Layers.Count)
            {
                throw ImageStoreException.Invalid($"{entry.Config} lists {config.RootFs.DiffIds.Count} layers but manifest.json gives {entry.Layers.Count}");
            }

            var layers = new List<Descriptor>();
            for (var i = 0; i < entry.Layers.Count; i++)
            {
                await using var layer = File.OpenRead(StagedFile(files, entry.Layers[i]));
                var digest = await AddBlobAsync(layer, null, ct);
                await EnsureLayerAsync(digest, config.RootFs.DiffIds[i], ct);
                layers.Add(new Descriptor { MediaType = MediaTypes.OciLayer, Digest = digest, Size = new FileInfo(BlobPath(digest)).Length });
            }

            // Keep docker's config bytes as they are: the image id is their digest.
            var configDigest = await AddBlobAsync(new MemoryStream(configBytes), null, ct);
            var manifest = new ImageManifest
            {
                Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = configDigest, Size = configBytes.Length },
                Layers = layers,
            };
            var manifestDigest = AddJsonBlob(manifest, OciJsonContext.Default.ImageManifest, out _);
            var tags = (entry.RepoTags ?? []).Select(ImageReference.Parse).ToList();
            loaded.Add(await AddImageAsync(manifestDigest, manifest, config, tags, ct));
        }

        return loaded;
    }

    private async Task<IReadOnlyList<ImageRecord>> LoadOciLayoutAsync(Dictionary<string, string> files, CancellationToken ct)
    {
        var index = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(files["index.json"], ct), OciJsonContext.Default.ImageIndex)!;
        var loaded = new List<ImageRecord>();
        foreach (var descriptor in index.Manifests)
        {
            var manifestDescriptor = await PickPlatformAsync(files, descriptor, ct);
            var manifestBytes = await ImportStagedBlobAsync(files, manifestDescriptor.Digest, ct);
            var manifest = JsonSerializer.Deserialize(manifestBytes, OciJsonContext.Default.ImageManifest)!;
            var configBytes = await ImportStagedBlobAsync(files, manifest.Config.Digest, ct);
            var config = JsonSerializer.Deserialize(configBytes, OciJsonContext.Default.ImageConfigFile)!;
            if (config.RootFs.DiffIds.Count != manifest.Layers.Count)
            {
                throw ImageStoreException.Invalid($"manifest {manifestDescriptor.Digest} has {manifest.Layers.Count} layers but its config lists {config.RootFs.DiffIds.Count}");
            }

            for (var i = 0; i < manifest.Layers.Count; i++)
            {
                await ImportStagedBlobAsync(files, manifest.Layers[i].Digest, ct);
                await EnsureLayerAsync(manifest.Layers[i].Digest, config.RootFs.DiffIds[i], ct);
            }

            var name = descriptor.Annotations?.GetValueOrDefault("io.containerd.image.name")
                       ?? descriptor.Annotations?.GetValueOrDefault(RefNameAnnotation);
            var tag = name is null ? null : ImageReference.TryParse(name);
            loaded.Add(await AddImageAsync(manifestDescriptor.Digest, manifest, config, tag is null ? [] : [tag], ct));
        }

        return loaded;
    }

    /// <summary>An index entry may itself be an index (multi-platform): take this node's platform, linux/amd64.</summary>
    private async Task<Descriptor> PickPlatformAsync(Dictionary<string, string> files, Descriptor descriptor, CancellationToken ct)
    {
        while (MediaTypes.IsIndex(descriptor.MediaType))
        {
            var nested = JsonSerializer.Deserialize(await ImportStagedBlobAsync(files, descriptor.Digest, ct), OciJsonContext.Default.ImageIndex)!;
            descriptor = nested.Manifests.FirstOrDefault(m => m.Platform is { Os: "linux", Architecture: "amd64" })
                         ?? throw ImageStoreException.Invalid(
                             $"image index {descriptor.Digest} has no linux/amd64 image (it has: {string.Join(", ", nested.Manifests.Select(m => $"{m.Platform?.Os}/{m.Platform?.Architecture}"))})");
        }

        return descriptor;
    }

    /// <summary>Copies a blob of the staged layout into the store, verifying its digest; returns small blobs' bytes.</summary>
    private async Task<byte[]> ImportStagedBlobAsync(Dictionary<string, string> files, string digest, CancellationToken ct)
    {
        var path = StagedFile(files, "blobs/sha256/" + Digests.Hex(digest));
        await using (var stream = File.OpenRead(path))
        {
            await AddBlobAsync(stream, digest, ct);
        }

        return new FileInfo(path).Length < 4 * 1024 * 1024 ? await File.ReadAllBytesAsync(path, ct) : [];
    }

    private static string StagedFile(Dictionary<string, string> files, string name) =>
        files.TryGetValue(LayerUnpacker.Normalize(name), out var path)
            ? path
            : throw ImageStoreException.Invalid($"the archive lacks '{name}'");

    /// <summary>
    /// Writes the archive's regular files under <paramref name="staging"/> by a flat name of our own, never by their
    /// archive path, and maps archive names (and symlinks, which `docker save` uses for repeated layers) to them.
    /// </summary>
    private static Dictionary<string, string> StageArchive(Stream tarball, string staging)
    {
        Directory.CreateDirectory(staging);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        using var reader = new TarReader(tarball, leaveOpen: true);
        var n = 0;
        while (reader.GetNextEntry() is { } entry)
        {
            var name = LayerUnpacker.Normalize(entry.Name);
            switch (entry.EntryType)
            {
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                    var path = Path.Combine(staging, (n++).ToString());
                    using (var file = File.Create(path))
                    {
                        entry.DataStream?.CopyTo(file);
                    }

                    files[name] = path;
                    break;
                case TarEntryType.SymbolicLink:
                    var dir = Path.GetDirectoryName(name) ?? "";
                    links[name] = LayerUnpacker.Normalize(entry.LinkName.StartsWith('/') ? entry.LinkName[1..] : CombineArchivePath(dir, entry.LinkName));
                    break;
            }
        }

        foreach (var (link, target) in links)
        {
            if (files.TryGetValue(target, out var path))
            {
                files[link] = path;
            }
        }

        return files;
    }

    private static string CombineArchivePath(string dir, string relative)
    {
        var parts = dir.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        foreach (var part in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    throw ImageStoreException.Invalid($"archive link '{relative}' points outside the archive");
                }

                parts.RemoveAt(parts.Count - 1);
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }

        return string.Join('/', parts);
    }

    private static async Task CopyMaybeCompressedAsync(Stream input, Stream output, CancellationToken ct)
    {
        var head = new byte[2];
        var read = 0;
        while (read < 2)
        {
            var n = await input.ReadAsync(head.AsMemory(read), ct);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        var whole = new ConcatenatedStream(head.AsMemory(0, read), input);
        if (read == 2 && head[0] == 0x1f && head[1] == 0x8b)
        {
            await using var gzip = new System.IO.Compression.GZipStream(whole, System.IO.Compression.CompressionMode.Decompress);
            await gzip.CopyToAsync(output, ct);
        }
        else
        {
            await whole.CopyToAsync(output, ct);
        }
    }
}
