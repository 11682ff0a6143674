namespace Flotilla.Grains.Containers;

/// <summary>docker's rules for what a container runs: the user's entrypoint/cmd over the image's, env merged by key.</summary>
public static class ContainerConfigMerger
{
    /// <summary>argv: entrypoint followed by cmd. A user entrypoint drops the image's cmd (docker does the same).</summary>
    public static string[] Args(ContainerCreateArgs args, ImageDefaults image)
    {
        var entrypoint = args.Entrypoint ?? image.Entrypoint ?? [];
        var cmd = args.Cmd is { Length: > 0 } ? args.Cmd : args.Entrypoint is null ? image.Cmd ?? [] : [];
        string[] argv = [.. entrypoint, .. cmd];
        if (argv.Length == 0)
        {
            throw FlotillaException.Invalid("No command specified: the image has no Cmd or Entrypoint, so give one after the image name.");
        }

        return argv;
    }

    /// <summary>Image env first, then the user's; a user's KEY replaces the image's KEY; PATH always set.</summary>
    public static string[] Env(IReadOnlyList<string> user, IReadOnlyList<string> image)
    {
        var merged = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in image.Concat(user))
        {
            var key = entry.Split('=', 2)[0];
            if (key.Length == 0)
            {
                throw FlotillaException.Invalid($"invalid environment variable: {entry} (expected KEY=value)");
            }

            if (index.TryGetValue(key, out var at))
            {
                merged[at] = entry;
            }
            else
            {
                index[key] = merged.Count;
                merged.Add(entry);
            }
        }

        if (!index.ContainsKey("PATH"))
        {
            merged.Insert(0, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        }

        return [.. merged];
    }

    public static string WorkingDir(string? user, string? image)
    {
        var dir = string.IsNullOrEmpty(user) ? string.IsNullOrEmpty(image) ? "/" : image : user;
        return dir.StartsWith('/') ? dir : throw FlotillaException.Invalid($"the working directory '{dir}' is invalid, it needs to be an absolute path");
    }
}
