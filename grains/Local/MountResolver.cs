using Flotilla.Grains.Containers;

namespace Flotilla.Grains.Local;

/// <summary>Turns docker's "-v" strings into mounts: a name is a volume (created on first use), a path a bind mount.</summary>
public sealed class MountResolver(PluginCatalog plugins)
{
    public const string DefaultVolumeDriver = "local";

    public async Task<ContainerMount[]> ResolveAsync(IReadOnlyList<string> binds, CancellationToken ct)
    {
        var mounts = new List<ContainerMount>();
        foreach (var bind in binds)
        {
            var (source, destination, readOnly) = Parse(bind);
            if (mounts.Any(m => m.Destination == destination))
            {
                throw FlotillaException.Invalid($"Duplicate mount point: {destination}");
            }

            if (source.StartsWith('/'))
            {
                // docker creates a missing bind source rather than failing the run.
                Directory.CreateDirectory(source);
                mounts.Add(new ContainerMount(MountKind.Bind, null, source, destination, readOnly, null));
            }
            else
            {
                var driver = plugins.VolumeDriver(DefaultVolumeDriver);
                var volume = await driver.GetAsync(source, ct)
                             ?? await driver.CreateAsync(source, new Dictionary<string, string>(), new Dictionary<string, string>(), ct);
                mounts.Add(new ContainerMount(MountKind.Volume, volume.Name, volume.Mountpoint, destination, readOnly, driver.Name));
            }
        }

        return [.. mounts];
    }

    /// <summary>"SRC:DST[:ro|rw]".</summary>
    public static (string Source, string Destination, bool ReadOnly) Parse(string bind)
    {
        var parts = bind.Split(':');
        if (parts.Length is < 2 or > 3 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            throw FlotillaException.Invalid($"invalid volume specification: '{bind}': expected SOURCE:DESTINATION[:ro|rw]");
        }

        if (!parts[1].StartsWith('/'))
        {
            throw FlotillaException.Invalid($"invalid volume specification: '{bind}': the mount destination must be an absolute path");
        }

        var readOnly = parts.Length == 3 && parts[2] switch
        {
            "ro" => true,
            "rw" => false,
            _ => throw FlotillaException.Invalid($"invalid volume specification: '{bind}': unknown mode '{parts[2]}' (use ro or rw)"),
        };
        return (parts[0], parts[1], readOnly);
    }
}
