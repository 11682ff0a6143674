namespace Flotilla.Registry;

/// <summary>How the node talks to registries.</summary>
public sealed record RegistryOptions
{
    /// <summary>
    /// Registries (host or host:port) reached over plain HTTP. Loopback (localhost, 127.0.0.0/8, ::1) always is,
    /// as in docker; every other registry must speak HTTPS.
    /// </summary>
    public IReadOnlyCollection<string> InsecureRegistries { get; init; } = [];

    /// <summary>
    /// Pull-through mirrors per registry (docker.io → its mirrors), tried in order before the registry itself; a
    /// mirror that lacks the image or fails is skipped. Each is a full URL, so a plain-HTTP mirror is one configured
    /// as http://. Pushes always go to the registry itself.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Uri>> Mirrors { get; init; } = new Dictionary<string, IReadOnlyList<Uri>>();

    /// <summary>How long a registry may take to answer a request, or to send the next bytes of a body.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A manifest or index larger than this is refused (real ones are a few KB; containerd allows 4 MiB).</summary>
    public int MaxManifestBytes { get; init; } = 4 << 20;

    /// <summary>An image config larger than this is refused.</summary>
    public int MaxConfigBytes { get; init; } = 8 << 20;

    /// <summary>Layers downloaded or uploaded at once per pull or push (docker's default is 3 and 5).</summary>
    public int MaxConcurrentTransfers { get; init; } = 4;

    /// <summary>Blobs larger than this are pushed in PATCH chunks of this size; smaller ones in one PUT.</summary>
    public long ChunkSize { get; init; } = 16L << 20;
}
