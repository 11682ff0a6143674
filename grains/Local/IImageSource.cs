namespace Flotilla.Grains.Local;

/// <summary>Where a node fetches an image it does not have (a registry), so that swarm tasks can run anywhere.</summary>
public interface IImageSource
{
    /// <summary>Pulls <paramref name="reference"/> into the node's store; fails saying why (unknown, refused, unreachable).</summary>
    Task PullAsync(string reference, CancellationToken ct);
}
