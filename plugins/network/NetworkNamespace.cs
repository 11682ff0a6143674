using System.Runtime.ExceptionServices;

namespace Flotilla.Network;

/// <summary>
/// Network namespaces bound to a file, made and entered in-process. A namespace belongs to a thread, so the work runs
/// on a thread of its own that ends with it: the daemon's other threads never leave their namespace.
/// </summary>
internal static class NetworkNamespace
{
    /// <summary>A new namespace bound to <paramref name="path"/>; <paramref name="inside"/> runs in it.</summary>
    public static void Create(string path, Action<RouteNetlink> inside) => OnOwnThread(() =>
    {
        File.WriteAllBytes(path, []);
        Native.Check(Native.unshare(Native.CloneNewNet), "unshare(CLONE_NEWNET)");
        Native.Check(Native.mount("/proc/thread-self/ns/net", path, null, Native.MsBind, 0), $"bind mount of a network namespace on {path}");
        using var netlink = RouteNetlink.Open();
        inside(netlink);
    });

    /// <summary>Runs <paramref name="inside"/> with a netlink socket in the namespace bound to <paramref name="path"/>.</summary>
    public static void Enter(string path, Action<RouteNetlink> inside) => OnOwnThread(() =>
    {
        var fd = Native.Check(Native.open(path, Native.ORdonly | Native.OCloexec), $"open {path}");
        try
        {
            Native.Check(Native.setns(fd, Native.CloneNewNet), $"setns {path}");
        }
        finally
        {
            Native.close(fd);
        }

        using var netlink = RouteNetlink.Open();
        inside(netlink);
    });

    /// <summary>An open descriptor of the namespace (for a veth peer moved into it); the caller closes it.</summary>
    public static int Open(string path) => Native.Check(Native.open(path, Native.ORdonly | Native.OCloexec), $"open {path}");

    public static void Delete(string path)
    {
        if (IsMounted(path))
        {
            Native.Check(Native.umount2(path, Native.MntDetach), $"umount {path}");
        }

        File.Delete(path);
    }

    public static bool IsMounted(string path) =>
        File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')).Any(f => f.Length > 4 && f[4] == path);

    private static void OnOwnThread(Action work)
    {
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                work();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            ExceptionDispatchInfo.Throw(error);
        }
    }
}
