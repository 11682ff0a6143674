using Flotilla.Grains.Local;
using Flotilla.Images;
using Flotilla.Registry;

namespace Flotilla.Host.Node;

/// <summary>Swarm tasks pull a missing image from its registry, for this node's platform, anonymously.</summary>
public sealed class RegistryImageSource(ImagePuller puller) : IImageSource
{
    public Task PullAsync(string reference, CancellationToken ct) =>
        puller.PullAsync(ImageReference.Parse(reference), Platforms.Default, credentials: null, progress: null, ct);
}
