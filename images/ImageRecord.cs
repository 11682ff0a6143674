using Flotilla.Images.Oci;

namespace Flotilla.Images;

/// <summary>One image in the store, with everything `image inspect` shows.</summary>
/// <param name="Id">Its id: the digest of its config ("sha256:…"), as docker shows it.</param>
/// <param name="ManifestDigest">The digest of its OCI manifest.</param>
/// <param name="RepoTags">Normalised references that name it ("docker.io/library/busybox:latest").</param>
/// <param name="Config">Its OCI image config: Env, Cmd, Entrypoint, WorkingDir, User, Labels, ExposedPorts,
/// architecture, os, rootfs diff ids and history.</param>
/// <param name="Size">Bytes of its layer blobs.</param>
/// <param name="PulledBy">"repository@digest" references it was pulled by: the digest the registry served for the
/// tag, which for a multi-platform image is the index's, not the platform manifest's.</param>
public sealed record ImageRecord(
    string Id,
    string ManifestDigest,
    IReadOnlyList<ImageReference> RepoTags,
    ImageConfigFile Config,
    long Size,
    IReadOnlyList<ImageReference> PulledBy)
{
    public IReadOnlyList<string> DiffIds => Config.RootFs.DiffIds;

    public DateTimeOffset Created => Config.Created ?? DateTimeOffset.UnixEpoch;

    /// <summary>
    /// "repository@digest" in familiar form, as docker lists them: the digests it was pulled by, and for a repository
    /// that names it but that it was not pulled from, its manifest digest.
    /// </summary>
    public IReadOnlyList<string> RepoDigests =>
    [
        .. PulledBy.Select(r => r.Familiar)
            .Concat(RepoTags.Where(t => PulledBy.All(p => p.Repository != t.Repository)).Select(t => $"{t.FamiliarRepository}@{ManifestDigest}"))
            .Distinct(),
    ];

    /// <summary>The 12-character id docker prints.</summary>
    public string ShortId => Id["sha256:".Length..][..12];
}
