using Flotilla.Images.Oci;

namespace Flotilla.Images;

/// <summary>One image in the store.</summary>
/// <param name="Id">Its id: the digest of its config ("sha256:…"), as docker shows it.</param>
/// <param name="ManifestDigest">The digest of its OCI manifest.</param>
/// <param name="RepoTags">Normalised references that name it ("docker.io/library/busybox:latest").</param>
/// <param name="Size">Bytes of its unpacked layers.</param>
public sealed record ImageRecord(
    string Id,
    string ManifestDigest,
    IReadOnlyList<ImageReference> RepoTags,
    ImageConfigFile Config,
    long Size)
{
    public IReadOnlyList<string> DiffIds => Config.RootFs.DiffIds;

    public DateTimeOffset Created => Config.Created ?? DateTimeOffset.UnixEpoch;
}
