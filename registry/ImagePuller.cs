using System.Collections.Concurrent;
using System.Text.Json;
using Flotilla.Images;
using Flotilla.Images.Oci;
using Microsoft.Extensions.Logging;

namespace Flotilla.Registry;

/// <summary>
/// docker pull into the node's image store. The manifest (an index or manifest list picks the wanted platform)
/// and config are checked first; layers then download concurrently, each stored and unpacked as it arrives (the
/// store's hostile-tar rules apply) under temporary names that are renamed into place only once the blob matches
/// its digest and the unpacked content its diff id. Only when every layer is in place is the image named: a failed or killed pull
/// leaves no image and no stray blobs. A blob the store has is never fetched again, and a blob that two
/// concurrent pulls need is fetched once.
/// </summary>
public sealed class ImagePuller(ImageStore store, RegistryTransport transport, ILogger<ImagePuller> logger)
{
    private static readonly string[] LayerMediaTypes =
        [MediaTypes.OciLayer, MediaTypes.OciLayerGzip, MediaTypes.OciLayerZstd, MediaTypes.DockerLayerGzip, "application/vnd.docker.image.rootfs.diff.tar"];

    private static readonly string[] ConfigMediaTypes = [MediaTypes.OciConfig, MediaTypes.DockerConfig];

    // Blob digest → the download in progress; a second pull that needs the same blob waits for it.
    private readonly ConcurrentDictionary<string, Task> _downloads = new(StringComparer.Ordinal);

    public async Task<ImageRecord> PullAsync(ImageReference reference, Platform platform, RegistryCredentials? credentials,
        IProgress<TransferProgress>? progress, CancellationToken ct)
    {
        progress ??= new Progress<TransferProgress>();
        if (reference.Digest is not null && FindLocal(reference, platform) is { } local)
        {
            // docker too: a digest names content, so an image the store has by that digest is the one asked for.
            progress.Report(new TransferProgress(reference.Digest, $"Pulling from {reference.FamiliarRepository}"));
            progress.Report(new TransferProgress(null, $"Digest: {reference.Digest}"));
            progress.Report(new TransferProgress(null, $"Status: Image is up to date for {reference.Familiar}"));
            return local;
        }

        var repository = reference.Path;
        var (client, manifest) = await GetManifestAsync(reference, credentials, ct);
        progress.Report(new TransferProgress(reference.Digest ?? reference.Tag, $"Pulling from {reference.FamiliarRepository}"));
        var topDigest = manifest.Digest;
        manifest = await PickPlatformAsync(client, repository, manifest, platform, ct);

        var image = Parse(manifest.Bytes, OciJsonContext.Default.ImageManifest, $"manifest {manifest.Digest} of {reference}");
        CheckMediaTypes(reference, manifest.Digest, image);

        using var ingest = store.BeginIngest();
        var configBytes = ingest.HasBlob(image.Config.Digest)
            ? store.ReadBlob(image.Config.Digest)
            : await client.GetSmallBlobAsync(repository, image.Config, transport.Options.MaxConfigBytes, ct);
        var config = Parse(configBytes, OciJsonContext.Default.ImageConfigFile, $"image config {image.Config.Digest} of {reference}");
        if (config.Os != platform.Os || config.Architecture != platform.Architecture)
        {
            throw RegistryException.Invalid(
                $"{reference.Familiar} is an image for {config.Os}/{config.Architecture}, not {Platforms.Format(platform)}: the registry has no {Platforms.Format(platform)} image of it");
        }

        if (config.RootFs.DiffIds.Count != image.Layers.Count)
        {
            throw RegistryException.Invalid(
                $"manifest {manifest.Digest} of {reference} lists {image.Layers.Count} layers but its config lists {config.RootFs.DiffIds.Count} diff ids");
        }

        await AddVerifiedAsync(ingest, configBytes, image.Config.Digest, ct);
        var existed = store.List().Any(i => i.ManifestDigest == manifest.Digest);

        foreach (var layer in image.Layers)
        {
            progress.Report(new TransferProgress(Short(layer.Digest), ingest.HasBlob(layer.Digest) ? "Already exists" : "Pulling fs layer"));
        }

        using var slots = new SemaphoreSlim(transport.Options.MaxConcurrentTransfers);
        var tasks = image.Layers.Select((layer, i) => PullLayerAsync(client, repository, ingest, layer, config.RootFs.DiffIds[i], slots, progress, ct)).ToList();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch
        {
            // Every layer task has ended (WhenAll): report the first real failure rather than a cancellation.
            var failure = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault();
            if (failure is not null)
            {
                throw failure;
            }

            throw;
        }

        await AddVerifiedAsync(ingest, manifest.Bytes, manifest.Digest, ct);
        var tags = reference.Digest is null ? new[] { reference } : [];
        var record = await ingest.CommitImageAsync(manifest.Digest, tags, ct, new ImageReference(reference.Domain, reference.Path, null, topDigest));
        logger.LogInformation("Pulled {Reference} ({Manifest}, {Layers} layers) from {Registry}", reference, manifest.Digest, image.Layers.Count, client.BaseUri);
        progress.Report(new TransferProgress(null, $"Digest: {topDigest}"));
        progress.Report(new TransferProgress(null, existed
            ? $"Status: Image is up to date for {reference.Familiar}"
            : $"Status: Downloaded newer image for {reference.Familiar}"));
        return record;
    }

    private ImageRecord? FindLocal(ImageReference reference, Platform platform)
    {
        try
        {
            var image = store.Resolve(reference.ToString());
            return image.Config.Os == platform.Os && image.Config.Architecture == platform.Architecture ? image : null;
        }
        catch (ImageStoreException e) when (e.Kind == ImageStoreErrorKind.NotFound)
        {
            return null;
        }
    }

    /// <summary>The manifest from the first mirror that has it, else from the registry; the pull stays with that one.</summary>
    private async Task<(RegistryClient, FetchedManifest)> GetManifestAsync(ImageReference reference, RegistryCredentials? credentials, CancellationToken ct)
    {
        var repository = reference.Path;
        string[] scopes = [RegistryClient.PullScope(repository)];
        foreach (var mirror in transport.OpenMirrors(reference.Domain, scopes))
        {
            try
            {
                return (mirror, await mirror.GetManifestAsync(repository, reference.Digest ?? reference.Tag!, ct));
            }
            catch (RegistryException e)
            {
                logger.LogWarning("Mirror {Mirror} of {Registry} cannot serve {Reference}, trying the next: {Reason}", mirror.BaseUri, reference.Domain, reference, e.Message);
            }
        }

        var client = transport.Open(reference.Domain, credentials, scopes);
        return (client, await client.GetManifestAsync(repository, reference.Digest ?? reference.Tag!, ct));
    }

    private async Task PullLayerAsync(RegistryClient client, string repository, ImageIngest ingest, Descriptor layer, string diffId,
        SemaphoreSlim slots, IProgress<TransferProgress> progress, CancellationToken ct)
    {
        var id = Short(layer.Digest);
        await slots.WaitAsync(ct);
        try
        {
            await FetchOnceAsync(client, repository, ingest, layer, diffId, progress, ct);
            // A no-op when the download unpacked it; a layer whose blob was cached is unpacked here if it must be.
            await ingest.UnpackLayerAsync(layer.Digest, diffId, ct);
        }
        catch (ImageStoreException e) when (e.Kind == ImageStoreErrorKind.InvalidInput)
        {
            throw RegistryException.Invalid($"layer {layer.Digest} of {repository} from registry {client.Domain} cannot be used: {e.Message}; nothing of it was stored");
        }
        finally
        {
            slots.Release();
        }

        progress.Report(new TransferProgress(id, "Pull complete"));
    }

    /// <summary>Gets a blob into the store unless it is there, sharing one download among concurrent pulls.</summary>
    private async Task FetchOnceAsync(RegistryClient client, string repository, ImageIngest ingest, Descriptor layer, string diffId,
        IProgress<TransferProgress> progress, CancellationToken ct)
    {
        while (!ingest.HasBlob(layer.Digest))
        {
            var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var running = _downloads.GetOrAdd(layer.Digest, mine.Task);
            if (running != mine.Task)
            {
                progress.Report(new TransferProgress(Short(layer.Digest), "Waiting"));
                try
                {
                    await running.WaitAsync(ct);
                }
                catch (Exception) when (!ct.IsCancellationRequested)
                {
                    // The other pull failed: try again ourselves.
                }

                continue;
            }

            try
            {
                await DownloadAsync(client, repository, ingest, layer, diffId, progress, ct);
                mine.SetResult();
            }
            catch (Exception e)
            {
                mine.SetException(e);
                _ = mine.Task.Exception; // observed: the waiters retry on their own
                throw;
            }
            finally
            {
                _downloads.TryRemove(new KeyValuePair<string, Task>(layer.Digest, mine.Task));
            }

            return;
        }
    }

    /// <summary>
    /// Downloads a layer, storing and unpacking it as it arrives (verified before either is kept). What an earlier,
    /// cut-off download of it kept is resumed with Range: bytes=N- when the registry answers 206 with exactly that
    /// part; on 200 it starts over.
    /// </summary>
    private async Task DownloadAsync(RegistryClient client, string repository, ImageIngest ingest, Descriptor layer, string diffId,
        IProgress<TransferProgress> progress, CancellationToken ct)
    {
        var id = Short(layer.Digest);
        var kept = ingest.PartialLength(layer.Digest);
        using var response = await client.OpenBlobAsync(repository, layer.Digest, kept > 0 && kept < layer.Size ? kept : 0, ct);
        var from = kept > 0 && kept < layer.Size && IsRangeFrom(response, kept, layer.Size) ? kept : 0;
        if (kept > 0)
        {
            logger.LogInformation(from > 0 ? "Resuming blob {Digest} at byte {Kept} of {Size}" : "Downloading blob {Digest} again: {Kept} of {Size} bytes were kept but the registry sent it whole",
                layer.Digest, kept, layer.Size);
        }

        if (from == 0 && response.StatusCode == System.Net.HttpStatusCode.PartialContent)
        {
            throw client.TransferFailed(repository, layer.Digest,
                new IOException($"the registry answered a request for the blob from byte {kept} with another part ({response.Content.Headers.ContentRange})"));
        }

        var lastReport = 0L;
        var body = new BlobReadStream(await response.Content.ReadAsStreamAsync(ct), layer.Size - from, transport.Options.StallTimeout, read =>
        {
            // Docker's cadence: often enough for a bar, not once per read.
            var n = from + read;
            if (n - lastReport >= 256 << 10 || n == layer.Size)
            {
                lastReport = n;
                progress.Report(new TransferProgress(id, "Downloading", n, layer.Size));
            }
        });
        await using (body)
        {
            try
            {
                await ingest.AddLayerAsync(body, layer.Digest, diffId, from, ct);
            }
            catch (Exception e) when (RegistryClient.IsTransferFailure(e))
            {
                throw client.TransferFailed(repository, layer.Digest, e);
            }
        }

        progress.Report(new TransferProgress(id, "Verifying Checksum"));
        progress.Report(new TransferProgress(id, "Download complete"));
        progress.Report(new TransferProgress(id, "Extracting", layer.Size, layer.Size));
    }

    private static bool IsRangeFrom(HttpResponseMessage response, long from, long size) =>
        response.StatusCode == System.Net.HttpStatusCode.PartialContent
        && response.Content.Headers.ContentRange is { Unit: "bytes", From: var start, To: var end, Length: var length }
        && start == from && end == size - 1 && length == size;

    /// <summary>An index or manifest list gives the manifest for the platform (nested indexes too).</summary>
    private static async Task<FetchedManifest> PickPlatformAsync(RegistryClient client, string repository, FetchedManifest manifest, Platform platform, CancellationToken ct)
    {
        for (var depth = 0; MediaTypes.IsIndex(manifest.MediaType); depth++)
        {
            var index = Parse(manifest.Bytes, OciJsonContext.Default.ImageIndex, $"image index {manifest.Digest} of {repository}");
            var choice = index.Manifests.FirstOrDefault(m => Platforms.Matches(m.Platform, platform))
                         ?? throw RegistryException.NotFound(
                             $"{repository} ({manifest.Digest}) has no image for {Platforms.Format(platform)}; it has: " +
                             string.Join(", ", index.Manifests.Select(m => Platforms.Format(m.Platform)).Distinct()) +
                             " (choose one with --platform)");
            if (depth > 4 || !Digests.IsValid(choice.Digest))
            {
                throw RegistryException.Invalid($"image index {manifest.Digest} of {repository} is malformed (nested too deep, or entry digest '{choice.Digest}')");
            }

            manifest = await client.GetManifestAsync(repository, choice.Digest, ct);
        }

        return manifest;
    }

    private static void CheckMediaTypes(ImageReference reference, string digest, ImageManifest image)
    {
        if (!ConfigMediaTypes.Contains(image.Config.MediaType))
        {
            throw RegistryException.Invalid(
                $"{reference.Familiar} ({digest}) is not a container image: its config has media type '{image.Config.MediaType}' (expected {string.Join(" or ", ConfigMediaTypes)})");
        }

        if (!Digests.IsValid(image.Config.Digest))
        {
            throw RegistryException.Invalid($"manifest {digest} of {reference.Familiar} names config digest '{image.Config.Digest}', which is not a sha256 digest");
        }

        foreach (var layer in image.Layers)
        {
            if (!Digests.IsValid(layer.Digest))
            {
                throw RegistryException.Invalid($"manifest {digest} of {reference.Familiar} names layer digest '{layer.Digest}', which is not a sha256 digest");
            }

            if (!LayerMediaTypes.Contains(layer.MediaType))
            {
                throw RegistryException.Invalid(
                    $"layer {layer.Digest} of {reference.Familiar} has media type '{layer.MediaType}'; this node unpacks plain, gzip and zstd layers only ({string.Join(", ", LayerMediaTypes)})");
            }
        }
    }

    private static async Task AddVerifiedAsync(ImageIngest ingest, byte[] bytes, string digest, CancellationToken ct)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        await ingest.AddBlobAsync(stream, digest, ct);
    }

    private static T Parse<T>(byte[] bytes, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(bytes, type) ?? throw new JsonException("it is null");
        }
        catch (JsonException e)
        {
            throw RegistryException.Invalid($"{what} is not valid JSON of the expected shape: {e.Message}");
        }
    }

    internal static string Short(string digest) => Digests.IsValid(digest) ? digest[7..19] : digest;
}
