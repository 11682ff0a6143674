using Flotilla.Images;
using Flotilla.Tests.Harness;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flotilla.Registry.Tests;

/// <summary>A fresh image store with a puller and pusher, in a per-run directory removed afterwards.</summary>
public sealed class StoreFixture : IAsyncDisposable
{
    public StoreFixture(RegistryOptions? options = null)
    {
        Directory = Path.Combine(Leftovers.BaseDirectory, Leftovers.Prefix + "store-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(Path.Combine(Directory, "owner.pid"), Environment.ProcessId.ToString());
        Store = new ImageStore(Path.Combine(Directory, "images"), NullLogger<ImageStore>.Instance);
        Transport = new RegistryTransport(options ?? new RegistryOptions());
        Puller = new ImagePuller(Store, Transport, NullLogger<ImagePuller>.Instance);
        Pusher = new ImagePusher(Store, Transport, NullLogger<ImagePusher>.Instance);
    }

    public string Directory { get; }

    public ImageStore Store { get; }

    public RegistryTransport Transport { get; }

    public ImagePuller Puller { get; }

    public ImagePusher Pusher { get; }

    /// <summary>
    /// Every file under the store, blobs, layers and temporary files included, but not what a cut-off download kept
    /// in partial/ to resume from: that is no content of the store.
    /// </summary>
    public string[] Files() =>
    [
        .. System.IO.Directory.GetFileSystemEntries(Path.Combine(Directory, "images"), "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(PartialDirectory + "/", StringComparison.Ordinal)).Order(),
    ];

    public string PartialDirectory => Path.Combine(Directory, "images", "partial");

    public async Task<ImageRecord> LoadAsync(TestImage image, string reference)
    {
        using var tar = new MemoryStream(image.OciLayoutTar(reference));
        return (await Store.LoadAsync(tar, CancellationToken.None)).Single();
    }

    public Task<ImageRecord> PullAsync(string reference, RegistryCredentials? credentials = null, List<TransferProgress>? log = null, string? platform = null) =>
        Puller.PullAsync(ImageReference.Parse(reference), Platforms.Parse(platform), credentials, log is null ? null : new Collect(log), CancellationToken.None);

    public Task<string> PushAsync(string reference, RegistryCredentials? credentials = null, List<TransferProgress>? log = null) =>
        Pusher.PushAsync(ImageReference.Parse(reference), credentials, log is null ? null : new Collect(log), CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        Transport.Dispose();
        await Leftovers.CleanAsync(Directory, Path.GetFileName(Directory));
    }

    /// <summary>Synchronous progress: the list is complete when the call returns.</summary>
    private sealed class Collect(List<TransferProgress> log) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value)
        {
            lock (log)
            {
                log.Add(value);
            }
        }
    }
}
