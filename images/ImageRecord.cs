using Flotilla.Images.Oci;

namespace Flotilla.Images;

/// <summary>One image in the store, with everything `image inspect` shows.</summary>
/// <param name="Id">Its id: the digest of its config ("sha256:…"), as docker shows it.</param>
/// <param name="ManifestDigest">The digest of its OCI manifest.</param>
/// <param name="RepoTags">Normalised references that name it ("docker.io/library/busybox:latest").</param>
/// <param name="Config">Its OCI image config: Env, Cmd, Entrypoint, WorkingDir, User, Labels, ExposedPorts,
/// architecture, os, rootfs diff ids and history.</param>
/// <param name="Size">Bytes of its layer blobs.</param>
public sealed record ImageRecord(
    string Id,
    string ManifestDigest,
    IReadOnlyList<ImageReference> RepoTags,
    ImageConfigFile Config,
    long Size)
{
    public IReadOnlyList<string> DiffIds => Config.RootFs.DiffIds;

    public DateTimeOffset Created => Config.Created ?? DateTimeOffset.UnixEpoch;

    /// <summary>"repository@manifest-digest" for each repository that names it, in familiar form, as docker lists them.</summary>
    public IReadOnlyList<string> RepoDigests =>
        [.. RepoTags.Select(t => $"{t.FamiliarRepository}@{ManifestDigest}").Distinct()];

    /// <summary>The 12-character id docker prints.</summary>
    public string ShortId => Id["sha256:".Length..][..12];
}
