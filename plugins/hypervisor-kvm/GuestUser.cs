using Flotilla.Plugins;

namespace Flotilla.Hypervisor.Kvm;

/// <summary>Turns docker's --user ("uid", "uid:gid", "name", "name:group") into numbers, from the container's own /etc files.</summary>
internal static class GuestUser
{
    public static (uint Uid, uint Gid) Resolve(string? user, string rootfs)
    {
        if (string.IsNullOrEmpty(user))
        {
            return (0, 0);
        }

        var parts = user.Split(':', 2);
        var passwd = ReadTable(Path.Combine(rootfs, "etc", "passwd"));
        uint uid, gid;
        if (uint.TryParse(parts[0], out uid))
        {
            // A numeric uid needs no passwd entry; its primary group comes from one when there is one.
            gid = passwd.FirstOrDefault(f => f.Length > 3 && f[2] == parts[0]) is { } entry && uint.TryParse(entry[3], out var g) ? g : 0;
        }
        else if (passwd.FirstOrDefault(f => f.Length > 3 && f[0] == parts[0]) is { } entry && uint.TryParse(entry[2], out uid) && uint.TryParse(entry[3], out gid))
        {
        }
        else
        {
            throw new PluginException($"unable to find user {parts[0]}: no matching entries in the image's /etc/passwd (--user)", PluginErrorKind.InvalidInput);
        }

        if (parts.Length == 2 && !uint.TryParse(parts[1], out gid))
        {
            var group = ReadTable(Path.Combine(rootfs, "etc", "group")).FirstOrDefault(f => f.Length > 2 && f[0] == parts[1]);
            if (group is null || !uint.TryParse(group[2], out gid))
            {
                throw new PluginException($"unable to find group {parts[1]}: no matching entries in the image's /etc/group (--user)", PluginErrorKind.InvalidInput);
            }
        }

        return (uid, gid);
    }

    private static List<string[]> ReadTable(string path)
    {
        // The image's own file, read through the overlay: a symlink out of the root filesystem is not followed.
        var info = new FileInfo(path);
        if (!info.Exists || info.LinkTarget is not null)
        {
            return [];
        }

        return [.. File.ReadLines(path).Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split(':'))];
    }
}
