using Flotilla.Images.Oci;

namespace Flotilla.Images;

// Getting images in without a registry: `image import` (a root filesystem tarball) and `image load`
// (a `docker save` tarball or an OCI image layout tarball).
public sealed partial class ImageStore
{
    private const string ContainerdNameAnnotation = "io.containerd.image.name";
    private const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>docker import: one layer from a root filesystem tarball (plain or gzipped), linux/amd64.</summary>
    public async Task<ImageRecord> ImportAsync(Stream rootfsTar, ImageReference? tag, ImportOptions options, CancellationToken ct)
    {
        if (tag?.Digest is not null)
        {
            throw ImageStoreException.Invalid($"cannot name an imported image with a digest reference ({tag}); give a tag");
        }

        using var ingest = BeginIngest();
        // The layer is stored uncompressed, so its blob digest is its diff id.
        string diffId;
        try
        {
            await using var tar = await Compression.DecompressAsync(rootfsTar, ct);
            diffId = await ingest.AddBlobAsync(tar, null, ct);
        }
        catch (InvalidDataException e)
        {
            throw ImageStoreException.Invalid($"the root filesystem tarball is not valid gzip: {e.Message}");
        }

        await ingest.UnpackLayerAsync(diffId, diffId, ct);
        var now = DateTimeOffset.UtcNow;
        var config = new ImageConfigFile
        {
            Created = now,
            Config = new ContainerDefaults
            {
                Env = options.Env?.ToList() ?? [DefaultPath],
                Cmd = options.Cmd?.ToList(),
                Entrypoint = options.Entrypoint?.ToList(),
                WorkingDir = options.WorkingDir,
                User = options.User,
                Labels = options.Labels?.ToDictionary(),
            },
            RootFs = new RootFs { DiffIds = [diffId] },
            History = [new HistoryEntry { Created = now, CreatedBy = "flotilla image import", Comment = options.Message ?? "Imported from tarball" }],
        };
        var layer = new Descriptor { MediaType = MediaTypes.OciLayer, Digest = diffId, Size = new FileInfo(BlobPath(diffId)).Length };
        var manifest = new ImageManifest
        {
            Config = ingest.AddJson(config, OciJsonContext.Default.ImageConfigFile, MediaTypes.OciConfig),
            Layers = [layer],
        };
        var manifestDigest = ingest.AddJson(manifest, OciJsonContext.Default.ImageManifest, MediaTypes.OciManifest).Digest;
        return await ingest.CommitImageAsync(manifestDigest, tag is null ? [] : [tag], ct);
    }

    /// <summary>
    /// docker load: a `docker save` tarball (manifest.json, config JSON, layer tarballs) or an OCI image layout
    /// tarball (oci-layout, index.json, blobs/; a multi-platform index gives its linux/amd64 image), plain or
    /// gzipped. Either every image in it is loaded or nothing is.
    /// </summary>
    public async Task<IReadOnlyList<ImageRecord>> LoadAsync(Stream tarball, CancellationToken ct)
    {
        using var ingest = BeginIngest();
        var staging = TempPath();
        try
        {
            StagedArchive archive;
            await using (var tar = await Compression.DecompressAsync(tarball, ct))
            {
                archive = await StagedArchive.ExtractAsync(tar, staging, ct);
            }

            var images = archive.Contains("index.json") && archive.Contains("oci-layout")
                ? await AddOciLayoutAsync(ingest, archive, ct)
                : archive.Contains("manifest.json")
                    ? await AddDockerSaveAsync(ingest, archive, ct)
                    : throw ImageStoreException.Invalid(
                        "the archive is neither a `docker save` tarball (it has no manifest.json) nor an OCI image layout (it has no oci-layout and index.json)");

            // Every blob is in and every layer unpacked: only now do names appear.
            var loaded = new List<ImageRecord>();
            foreach (var (manifestDigest, tags) in images)
            {
                loaded.Add(await ingest.CommitImageAsync(manifestDigest, tags, ct));
            }

            return loaded;
        }
        finally
        {
            DeleteTree(staging);
        }
    }

    private async Task<List<(string ManifestDigest, List<ImageReference> Tags)>> AddDockerSaveAsync(ImageIngest ingest, StagedArchive archive, CancellationToken ct)
    {
        var entries = ParseJson(archive.Read("manifest.json"), OciJsonContext.Default.ListDockerSaveEntry, "manifest.json of the docker save tarball");
        var images = new List<(string, List<ImageReference>)>();
        foreach (var entry in entries)
        {
            var tags = ParseTags(entry.RepoTags, "manifest.json");
            // docker's config bytes are kept as they are: the image id is their digest.
            var configBytes = archive.Read(entry.Config);
            var config = ParseJson(configBytes, OciJsonContext.Default.ImageConfigFile, entry.Config);
            if (config.RootFs.DiffIds.Count != entry.Layers.Count)
            {
                throw ImageStoreException.Invalid($"{entry.Config} lists {config.RootFs.DiffIds.Count} diff ids but manifest.json gives {entry.Layers.Count} layers");
            }

            string configDigest;
            using (var stream = new MemoryStream(configBytes))
            {
                configDigest = await ingest.AddBlobAsync(stream, null, ct);
            }

            var layers = new List<Descriptor>();
            for (var i = 0; i < entry.Layers.Count; i++)
            {
                string digest;
                bool gzipped;
                await using (var layer = archive.Open(entry.Layers[i]))
                {
                    gzipped = layer.ReadByte() == 0x1f && layer.ReadByte() == 0x8b;
                    layer.Position = 0;
                    digest = await ingest.AddBlobAsync(layer, null, ct);
                }

                await ingest.UnpackLayerAsync(digest, config.RootFs.DiffIds[i], ct);
                layers.Add(new Descriptor
                {
                    MediaType = gzipped ? MediaTypes.OciLayerGzip : MediaTypes.OciLayer,
                    Digest = digest,
                    Size = new FileInfo(BlobPath(digest)).Length,
                });
            }

            var manifest = new ImageManifest
            {
                Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = configDigest, Size = configBytes.Length },
                Layers = layers,
            };
            images.Add((ingest.AddJson(manifest, OciJsonContext.Default.ImageManifest, MediaTypes.OciManifest).Digest, tags));
        }

        return images;
    }

    private async Task<List<(string ManifestDigest, List<ImageReference> Tags)>> AddOciLayoutAsync(ImageIngest ingest, StagedArchive archive, CancellationToken ct)
    {
        var index = ParseJson(archive.Read("index.json"), OciJsonContext.Default.ImageIndex, "index.json of the OCI layout");
        var namesByConfig = DockerSaveNames(archive);
        var images = new List<(string, List<ImageReference>)>();
        foreach (var descriptor in index.Manifests)
        {
            var manifestDescriptor = await PickPlatformAsync(ingest, archive, descriptor, ct);
            var manifest = ParseJson(await AddStagedBlobAsync(ingest, archive, manifestDescriptor.Digest, ct),
                OciJsonContext.Default.ImageManifest, $"manifest {manifestDescriptor.Digest}");
            var config = ParseJson(await AddStagedBlobAsync(ingest, archive, manifest.Config.Digest, ct),
                OciJsonContext.Default.ImageConfigFile, $"image config {manifest.Config.Digest}");
            if (config.RootFs.DiffIds.Count != manifest.Layers.Count)
            {
                throw ImageStoreException.Invalid(
                    $"manifest {manifestDescriptor.Digest} lists {manifest.Layers.Count} layers but its config lists {config.RootFs.DiffIds.Count} diff ids");
            }

            for (var i = 0; i < manifest.Layers.Count; i++)
            {
                var layer = manifest.Layers[i];
                if (layer.MediaType.EndsWith("zstd", StringComparison.Ordinal))
                {
                    throw ImageStoreException.Invalid($"layer {layer.Digest} is zstd-compressed ({layer.MediaType}); only plain and gzipped layers are supported");
                }

                await AddStagedBlobAsync(ingest, archive, layer.Digest, ct);
                await ingest.UnpackLayerAsync(layer.Digest, config.RootFs.DiffIds[i], ct);
            }

            var tags = NameOf(descriptor) is { } name
                ? [name]
                : namesByConfig.GetValueOrDefault(manifest.Config.Digest) ?? [];
            images.Add((manifestDescriptor.Digest, tags));
        }

        return images;
    }

    /// <summary>
    /// The image name an index entry carries: containerd's full name, else the OCI ref.name when it is a full
    /// reference (skopeo and docker write bare tags such as "latest" there, which name no repository).
    /// </summary>
    private static ImageReference? NameOf(Descriptor descriptor)
    {
        if (descriptor.Annotations?.GetValueOrDefault(ContainerdNameAnnotation) is { } full)
        {
            return ParseTags([full], "index.json")[0];
        }

        return descriptor.Annotations?.GetValueOrDefault(RefNameAnnotation) is { } refName && refName.IndexOfAny(['/', ':']) >= 0
            ? ImageReference.TryParse(refName)
            : null;
    }

    /// <summary>docker 25+ writes a manifest.json next to the OCI layout; its RepoTags name images the index leaves unnamed.</summary>
    private static Dictionary<string, List<ImageReference>> DockerSaveNames(StagedArchive archive)
    {
        if (!archive.Contains("manifest.json"))
        {
            return [];
        }

        return ParseJson(archive.Read("manifest.json"), OciJsonContext.Default.ListDockerSaveEntry, "manifest.json")
            .Where(e => e.Config.StartsWith("blobs/sha256/", StringComparison.Ordinal))
            .GroupBy(e => "sha256:" + e.Config["blobs/sha256/".Length..])
            .ToDictionary(g => g.Key, g => ParseTags(g.SelectMany(e => e.RepoTags ?? []), "manifest.json"));
    }

    private static List<ImageReference> ParseTags(IEnumerable<string>? names, string source)
    {
        var tags = new List<ImageReference>();
        foreach (var name in names ?? [])
        {
            try
            {
                tags.Add(ImageReference.Parse(name));
            }
            catch (ImageStoreException e)
            {
                throw ImageStoreException.Invalid($"{source} names an image \"{name}\": {e.Message}");
            }
        }

        return tags;
    }

    /// <summary>An index entry may itself be an index (multi-platform): take this node's platform, linux/amd64.</summary>
    private static async Task<Descriptor> PickPlatformAsync(ImageIngest ingest, StagedArchive archive, Descriptor descriptor, CancellationToken ct)
    {
        while (MediaTypes.IsIndex(descriptor.MediaType))
        {
            var nested = ParseJson(await AddStagedBlobAsync(ingest, archive, descriptor.Digest, ct), OciJsonContext.Default.ImageIndex, $"image index {descriptor.Digest}");
            var platforms = string.Join(", ", nested.Manifests.Select(m => $"{m.Platform?.Os}/{m.Platform?.Architecture}"));
            descriptor = nested.Manifests.FirstOrDefault(m => m.Platform is { Os: "linux", Architecture: "amd64" })
                         ?? throw ImageStoreException.Invalid($"image index {descriptor.Digest} has no linux/amd64 image (it has: {platforms})");
        }

        if (!MediaTypes.IsManifest(descriptor.MediaType))
        {
            throw ImageStoreException.Invalid($"index.json entry {descriptor.Digest} has media type '{descriptor.MediaType}', which is neither an image manifest nor an index");
        }

        return descriptor;
    }

    /// <summary>Adds a blob of the staged layout to the store, verifying its digest; returns its bytes when it is small (a JSON document).</summary>
    private static async Task<byte[]> AddStagedBlobAsync(ImageIngest ingest, StagedArchive archive, string digest, CancellationToken ct)
    {
        var name = "blobs/sha256/" + Digests.Hex(digest);
        await using (var stream = archive.Open(name))
        {
            await ingest.AddBlobAsync(stream, digest, ct);
        }

        return archive.Length(name) <= 4 << 20 ? archive.Read(name) : [];
    }
}
