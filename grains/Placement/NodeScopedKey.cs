namespace Flotilla.Grains.Placement;

/// <summary>Keys of node-placed grains: "node/local-id", or just "node" for the node grain itself.</summary>
public static class NodeScopedKey
{
    public static string Format(string node, string localId) => $"{node}/{localId}";

    /// <summary>The node a key belongs to; a key without a slash is a node's own name (the node grain).</summary>
    public static string NodeOf(string key)
    {
        var slash = key.IndexOf('/');
        return slash > 0 ? key[..slash] : key;
    }

    public static string LocalIdOf(string key) => key[(key.IndexOf('/') + 1)..];
}
