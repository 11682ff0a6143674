using Flotilla.Grains.Containers;

namespace Flotilla.Grains.Local;

/// <summary>
/// Turns docker's mounts into the container's: "-v" strings (HostConfig.Binds: a name is a volume, created on first
/// use; a path a bind mount, created when missing) and the structured HostConfig.Mounts (bind, volume, tmpfs).
/// </summary>
public sealed class MountResolver(PluginCatalog plugins)
{
    public const string DefaultVolumeDriver = "local";

    public async Task<ContainerMount[]> ResolveAsync(IReadOnlyList<string> binds, IReadOnlyList<MountRequest> structured, CancellationToken ct)
    {
        var mounts = new List<ContainerMount>();
        void Add(ContainerMount mount)
        {
            if (mounts.Any(m => m.Destination.TrimEnd('/') == mount.Destination.TrimEnd('/')))
            {
                throw FlotillaException.Invalid($"Duplicate mount point: {mount.Destination}");
            }

            mounts.Add(mount);
        }

        foreach (var bind in binds)
        {
            var (source, destination, readOnly) = Parse(bind);
            if (source.StartsWith('/'))
            {
                // docker creates a missing bind source rather than failing the run.
                Directory.CreateDirectory(source);
                Add(new ContainerMount(MountKind.Bind, null, source, destination, readOnly, null));
            }
            else
            {
                Add(await VolumeAsync(source, destination, readOnly, ct));
            }
        }

        foreach (var m in structured)
        {
            Add(await ResolveAsync(m, ct));
        }

        return [.. mounts];
    }

    private async Task<ContainerMount> ResolveAsync(MountRequest m, CancellationToken ct)
    {
        var type = m.Type;
        if (type is not ("bind" or "volume" or "tmpfs"))
        {
            throw FlotillaException.Invalid($"invalid mount config: mount type \"{type}\" is not supported here (HostConfig.Mounts Type: use bind, volume or tmpfs)");
        }

        if (string.IsNullOrEmpty(m.Target) || !m.Target.StartsWith('/'))
        {
            throw FlotillaException.Invalid($"invalid mount config for type \"{type}\": the target '{m.Target}' must be an absolute path inside the container");
        }

        if (type != "tmpfs" && (m.TmpfsSizeBytes != 0 || m.TmpfsMode != 0))
        {
            throw FlotillaException.Invalid($"invalid mount config for type \"{type}\": TmpfsOptions are only for type tmpfs");
        }

        switch (type)
        {
            case "bind":
                if (string.IsNullOrEmpty(m.Source) || !m.Source.StartsWith('/'))
                {
                    throw FlotillaException.Invalid($"invalid mount config for type \"bind\": the source '{m.Source}' must be an absolute host path");
                }

                // Unlike -v, --mount does not create a missing source (docker's rule): a typo would go unnoticed.
                if (!Directory.Exists(m.Source) && !File.Exists(m.Source))
                {
                    throw FlotillaException.Invalid($"invalid mount config for type \"bind\": bind source path does not exist: {m.Source}");
                }

                return new ContainerMount(MountKind.Bind, null, m.Source, m.Target, m.ReadOnly, null);
            case "volume":
                if (string.IsNullOrEmpty(m.Source))
                {
                    throw FlotillaException.Invalid($"invalid mount config for type \"volume\": anonymous volumes are not supported: name the volume (source=NAME) for {m.Target}");
                }

                return await VolumeAsync(m.Source, m.Target, m.ReadOnly, ct);
            default:
                if (!string.IsNullOrEmpty(m.Source))
                {
                    throw FlotillaException.Invalid($"invalid mount config for type \"tmpfs\": a tmpfs has no source (got '{m.Source}')");
                }

                if (m.TmpfsSizeBytes < 0 || m.TmpfsMode is < 0 or > 0xFFF)
                {
                    throw FlotillaException.Invalid($"invalid mount config for type \"tmpfs\": size must be positive and mode within 0..7777 (octal)");
                }

                return new ContainerMount(MountKind.Tmpfs, null, "tmpfs", m.Target, m.ReadOnly, null, m.TmpfsSizeBytes, m.TmpfsMode);
        }
    }

    private async Task<ContainerMount> VolumeAsync(string name, string destination, bool readOnly, CancellationToken ct)
    {
        var driver = plugins.VolumeDriver(DefaultVolumeDriver);
        var volume = await driver.GetAsync(name, ct)
                     ?? await driver.CreateAsync(name, new Dictionary<string, string>(), new Dictionary<string, string>(), ct);
        return new ContainerMount(MountKind.Volume, volume.Name, volume.Mountpoint, destination, readOnly, driver.Name);
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
