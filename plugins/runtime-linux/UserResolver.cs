using Flotilla.Plugins;

namespace Flotilla.Runtime.Linux;

/// <summary>Turns docker's -u forms ("uid", "uid:gid", "name", "name:group") into ids, using the image's passwd and group files.</summary>
public static class UserResolver
{
    public static (uint Uid, uint Gid) Resolve(string? user, IReadOnlyList<string> layersLowestFirst)
    {
        if (string.IsNullOrEmpty(user))
        {
            return (0, 0);
        }

        var parts = user.Split(':', 2);
        uint uid;
        uint? gid = null;
        if (uint.TryParse(parts[0], out var numericUid))
        {
            uid = numericUid;
            gid = FindInFile(layersLowestFirst, "etc/passwd", e => e.Length > 3 && e[2] == parts[0]) is { } entry && uint.TryParse(entry[3], out var g) ? g : null;
        }
        else
        {
            var entry = FindInFile(layersLowestFirst, "etc/passwd", e => e[0] == parts[0])
                        ?? throw new PluginException($"unable to find user {parts[0]}: no matching entries in passwd file", PluginErrorKind.InvalidInput);
            uid = uint.Parse(entry[2]);
            gid = uint.Parse(entry[3]);
        }

        if (parts.Length == 2)
        {
            if (uint.TryParse(parts[1], out var numericGid))
            {
                gid = numericGid;
            }
            else
            {
                var group = FindInFile(layersLowestFirst, "etc/group", e => e[0] == parts[1])
                            ?? throw new PluginException($"unable to find group {parts[1]}: no matching entries in group file", PluginErrorKind.InvalidInput);
                gid = uint.Parse(group[2]);
            }
        }

        return (uid, gid ?? 0);
    }

    private static string[]? FindInFile(IReadOnlyList<string> layers, string relativePath, Func<string[], bool> match)
    {
        // The top-most layer that has the file wins, as in the merged root filesystem.
        foreach (var layer in layers.Reverse())
        {
            var path = Path.Combine(layer, relativePath);
            if (File.Exists(path) && (File.GetAttributes(path) & FileAttributes.ReparsePoint) == 0)
            {
                return File.ReadLines(path).Select(l => l.Split(':')).FirstOrDefault(e => e.Length >= 3 && match(e));
            }
        }

        return null;
    }
}
