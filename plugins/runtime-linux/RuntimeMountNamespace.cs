using System.Diagnostics;

namespace Flotilla.Runtime.Linux;

/// <summary>
/// The persistent mount namespace crun runs in on a hybrid host: a copy of the host's in which the cgroup2 mount
/// at /sys/fs/cgroup/unified is gone, so crun sees a plain cgroup v1 host and accepts it. It is bound to a file
/// (like `ip netns`) so that it outlives the daemon, and re-used after a restart.
///
/// Container root filesystems are mounted by the plugin in the host namespace under <see cref="SharedDirectory"/>,
/// which is made a shared mount before the namespace is made: the namespace receives them by propagation.
/// </summary>
public sealed class RuntimeMountNamespace(string namespaceFile, string sharedDirectory)
{
    public string NamespaceFile { get; } = namespaceFile;

    public string SharedDirectory { get; } = sharedDirectory;

    /// <summary>The prefix that runs a command inside the namespace.</summary>
    public IReadOnlyList<string> CommandPrefix => ["/usr/bin/nsenter", $"--mount={NamespaceFile}", "--"];

    public void EnsureCreated()
    {
        Directory.CreateDirectory(SharedDirectory);
        var mounts = MountTable.Read();
        if (!mounts.Any(m => m.MountPoint == SharedDirectory))
        {
            Check(Native.mount(SharedDirectory, SharedDirectory, null, Native.MS_BIND, null), $"bind {SharedDirectory}");
        }

        Check(Native.mount(null, SharedDirectory, null, Native.MS_SHARED, null), $"make {SharedDirectory} shared");

        if (mounts.Any(m => m.MountPoint == NamespaceFile && m.FsType == "nsfs"))
        {
            return; // still there from before a daemon restart
        }

        Directory.CreateDirectory(Path.GetDirectoryName(NamespaceFile)!);
        File.WriteAllBytes(NamespaceFile, []);
        using var unshare = Process.Start(new ProcessStartInfo("/usr/bin/unshare",
            ["--mount=" + NamespaceFile, "--propagation", "slave", "/bin/umount", CgroupLayout.UnifiedMount])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var error = unshare.StandardError.ReadToEnd();
        unshare.WaitForExit();
        if (unshare.ExitCode != 0)
        {
            throw new Flotilla.Plugins.PluginException(
                $"could not prepare the OCI runtime's mount namespace ({NamespaceFile}): {error.Trim()}. " +
                "Select runc instead (--Plugins:runtime-linux:oci-runtime=runc).");
        }
    }

    private static void Check(int rc, string what)
    {
        if (rc != 0)
        {
            Native.Check(rc, what);
        }
    }
}
