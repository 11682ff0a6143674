using Flotilla.Plugins;

namespace Flotilla.Guest;

/// <summary>docker's -u forms ("uid", "uid:gid", "name", "name:group") as the ids the guest init takes, from the merged root's files.</summary>
public static class UserIds
{
    public static (uint Uid, uint Gid) Resolve(string? user, string rootfs)
    {
        if (string.IsNullOrEmpty(user))
        {
            return (0, 0);
        }

        var parts = user.Split(':', 2);
        var passwd = Find(rootfs, "etc/passwd", e => uint.TryParse(parts[0], out _) ? e[2] == parts[0] : e[0] == parts[0]);
        if (passwd is null && !uint.TryParse(parts[0], out _))
        {
            throw new PluginException($"unable to find user {parts[0]}: no matching entries in passwd file", PluginErrorKind.InvalidInput);
        }

        var uid = passwd?[2] ?? parts[0];
        var gid = passwd is { Length: > 3 } ? passwd[3] : "0";
        if (parts.Length == 2)
        {
            gid = uint.TryParse(parts[1], out _)
                ? parts[1]
                : Find(rootfs, "etc/group", e => e[0] == parts[1])?[2]
                  ?? throw new PluginException($"unable to find group {parts[1]}: no matching entries in group file", PluginErrorKind.InvalidInput);
        }

        return (uint.Parse(uid), uint.Parse(gid));
    }

    private static string[]? Find(string rootfs, string relativePath, Func<string[], bool> match)
    {
        var path = Path.Combine(rootfs, relativePath);
        return File.Exists(path) && (File.GetAttributes(path) & FileAttributes.ReparsePoint) == 0
            ? File.ReadLines(path).Select(l => l.Split(':')).FirstOrDefault(e => e.Length >= 3 && match(e))
            : null;
    }
}
