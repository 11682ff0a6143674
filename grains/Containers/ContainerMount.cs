namespace Flotilla.Grains.Containers;

public enum MountKind
{
    Volume,
    Bind,
}

/// <param name="Name">The volume's name (volumes only).</param>
/// <param name="Source">The host path mounted: a volume's mountpoint or the bind source.</param>
[GenerateSerializer, Immutable]
public sealed record ContainerMount(
    [property: Id(0)] MountKind Kind,
    [property: Id(1)] string? Name,
    [property: Id(2)] string Source,
    [property: Id(3)] string Destination,
    [property: Id(4)] bool ReadOnly,
    [property: Id(5)] string? Driver);
