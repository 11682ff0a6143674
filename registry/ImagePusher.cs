using Flotilla.Images;
using Flotilla.Images.Oci;
using Microsoft.Extensions.Logging;

namespace Flotilla.Registry;

/// <summary>
/// docker push of a stored image: each blob the registry lacks (HEAD) is mounted from another repository of the
/// same registry that names this image, or uploaded (one PUT, or PATCH chunks for big blobs); then the manifest,
/// exactly as stored so its digest stays the same, is put under the tag.
/// </summary>
public sealed class ImagePusher(ImageStore store, RegistryTransport transport, ILogger<ImagePusher> logger)
{
    public async Task<string> PushAsync(ImageReference reference, RegistryCredentials? credentials, IProgress<TransferProgress>? progress, CancellationToken ct)
    {
        progress ??= new Progress<TransferProgress>();
        if (reference.Tag is null)
        {
            throw RegistryException.Invalid($"push needs a tag, not a digest: {reference.Familiar}");
        }

        var image = store.Resolve(reference.ToString());
        var manifestBytes = store.ReadBlob(image.ManifestDigest);
        var manifest = System.Text.Json.JsonSerializer.Deserialize(manifestBytes, OciJsonContext.Default.ImageManifest)!;
        var mediaType = manifest.MediaType ?? MediaTypes.OciManifest;

        // Other repositories of the same registry that hold this image: blobs can be mounted from them.
        var sources = image.RepoTags.Where(t => t.Domain == reference.Domain && t.Path != reference.Path).Select(t => t.Path).Distinct().ToList();
        var client = transport.Open(reference.Domain, credentials,
            [RegistryClient.PushScope(reference.Path), .. sources.Select(RegistryClient.PullScope)]);
        progress.Report(new TransferProgress(null, $"The push refers to repository [{reference.Repository}]"));

        var blobs = manifest.Layers.Append(manifest.Config).DistinctBy(d => d.Digest).ToList();
        foreach (var blob in manifest.Layers)
        {
            progress.Report(new TransferProgress(ImagePuller.Short(blob.Digest), "Preparing"));
        }

        using var slots = new SemaphoreSlim(transport.Options.MaxConcurrentTransfers);
        await Task.WhenAll(blobs.Select(async blob =>
        {
            await slots.WaitAsync(ct);
            try
            {
                await PushBlobAsync(client, reference.Path, blob, sources, progress, ct);
            }
            finally
            {
                slots.Release();
            }
        }));

        var digest = await client.PutManifestAsync(reference.Path, reference.Tag, manifestBytes, mediaType, ct);
        logger.LogInformation("Pushed {Reference} ({Digest}) to {Registry}", reference, digest, client.BaseUri);
        progress.Report(new TransferProgress(null, $"{reference.Tag}: digest: {digest} size: {manifestBytes.Length}"));
        return digest;
    }

    private async Task PushBlobAsync(RegistryClient client, string repository, Descriptor blob, IReadOnlyList<string> sources,
        IProgress<TransferProgress> progress, CancellationToken ct)
    {
        var id = ImagePuller.Short(blob.Digest);
        if (await client.HasBlobAsync(repository, blob.Digest, ct))
        {
            progress.Report(new TransferProgress(id, "Layer already exists"));
            return;
        }

        foreach (var source in sources)
        {
            if (await client.MountBlobAsync(repository, blob.Digest, source, ct))
            {
                progress.Report(new TransferProgress(id, $"Mounted from {source}"));
                return;
            }
        }

        var path = store.BlobPath(blob.Digest);
        var size = new FileInfo(path).Length;
        var lastReport = 0L;
        await client.UploadBlobAsync(repository, blob.Digest, size, offset =>
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            file.Position = offset;
            return file;
        }, n =>
        {
            if (n - lastReport >= 256 << 10 || n == size)
            {
                lastReport = n;
                progress.Report(new TransferProgress(id, "Pushing", n, size));
            }
        }, ct);
        progress.Report(new TransferProgress(id, "Pushed"));
    }
}
