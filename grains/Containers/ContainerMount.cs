namespace Flotilla.Grains.Containers;

public enum MountKind
{
    Volume,
    Bind,
    Tmpfs,
}

/// <param name="Name">The volume's name (volumes only).</param>
/// <param name="Source">The host path mounted: a volume's mountpoint or the bind source; "tmpfs" for a tmpfs.</param>
/// <param name="TmpfsSizeBytes">A tmpfs' size limit (0: the kernel's default).</param>
/// <param name="TmpfsMode">A tmpfs' permission bits (0: 1777).</param>
[GenerateSerializer, Immutable]
public sealed record ContainerMount(
    [property: Id(0)] MountKind Kind,
    [property: Id(1)] string? Name,
    [property: Id(2)] string Source,
    [property: Id(3)] string Destination,
    [property: Id(4)] bool ReadOnly,
    [property: Id(5)] string? Driver,
    [property: Id(6)] long TmpfsSizeBytes = 0,
    [property: Id(7)] int TmpfsMode = 0);
