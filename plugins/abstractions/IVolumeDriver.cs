namespace Flotilla.Plugins;

/// <summary>
/// Keeps named volumes: directories whose data outlives any container. The daemon tracks which containers use a
/// volume; the driver only stores them.
/// </summary>
public interface IVolumeDriver
{
    /// <summary>The name users select with <c>--driver</c> ("local").</summary>
    string Name { get; }

    /// <summary>Creates the volume, or returns the existing one of that name (docker's behaviour).</summary>
    Task<VolumeInfo> CreateAsync(string name, IReadOnlyDictionary<string, string> options, IReadOnlyDictionary<string, string> labels, CancellationToken ct);

    Task<VolumeInfo?> GetAsync(string name, CancellationToken ct);

    Task<IReadOnlyList<VolumeInfo>> ListAsync(CancellationToken ct);

    /// <summary>Deletes the volume and its data. The daemon has already checked that no container uses it.</summary>
    Task RemoveAsync(string name, CancellationToken ct);
}

/// <param name="Mountpoint">The host directory a container mounts.</param>
public sealed record VolumeInfo(
    string Name,
    string Driver,
    string Mountpoint,
    DateTimeOffset CreatedAt,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Options);
