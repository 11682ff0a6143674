namespace Flotilla.Grains.Local;

/// <summary>Deletes a container's directory only when nothing is mounted under it: deleting through a live overlay
/// or bind mount would destroy data that is not the container's (an image layer, a volume, a host directory).</summary>
public static class SafeDirectory
{
    public static void Delete(string path)
    {
        if (!Directory.Exists(path))
        {
            return;
        }

        var prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)) + "/";
        var mounted = File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4])
            .FirstOrDefault(mountPoint => (mountPoint + "/").StartsWith(prefix, StringComparison.Ordinal));
        if (mounted is not null)
        {
            throw new FlotillaException(ErrorKind.Failed, $"Refusing to delete {path}: {mounted} is still mounted inside it.");
        }

        Directory.Delete(path, recursive: true);
    }
}
