namespace Flotilla.Runtime.Linux;

/// <summary>
/// Takes the wait out of the runtime's move of a container's first process into its cgroup v1 cgroups. The kernel
/// guards every such move with one lock (cgroup_threadgroup_rwsem) whose first writer after a quiet moment waits for
/// an RCU grace period: 5–15 ms here, at every start that does not follow another move within a grace period. A
/// move of the daemon into the cgroup it is already in changes nothing but takes the lock, so making one when a
/// container is created or started lets that wait pass while the daemon, the monitor and crun get ready, and
/// crun's own move finds the lock warm. cgroup v2 needs none of this: crun starts the process in its cgroup
/// (clone3 with CLONE_INTO_CGROUP), which takes the lock only for reading.
/// </summary>
public sealed class CgroupMovePrimer
{
    private readonly string? _procsFile;

    private CgroupMovePrimer(string? procsFile) => _procsFile = procsFile;

    /// <summary>For a v1 or hybrid host: the cgroup.procs of the daemon's own cgroup in the pids hierarchy.</summary>
    public static CgroupMovePrimer For(CgroupLayout layout)
    {
        if (layout.Mode == CgroupMode.V2)
        {
            return new CgroupMovePrimer(null);
        }

        var own = File.ReadLines("/proc/self/cgroup")
            .Select(line => line.Split(':', 3))
            .FirstOrDefault(parts => parts.Length == 3 && parts[1].Split(',').Contains("pids"));
        var file = own is null ? null : $"/sys/fs/cgroup/pids{own[2].TrimEnd('/')}/cgroup.procs";
        return new CgroupMovePrimer(file is not null && File.Exists(file) ? file : null);
    }

    /// <summary>Starts the no-op move in the background; the caller does not wait for it.</summary>
    public void Prime()
    {
        if (_procsFile is null)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(static file =>
        {
            try
            {
                File.WriteAllText(file, Environment.ProcessId.ToString());
            }
            catch (IOException)
            {
                // A read-only cgroupfs (a daemon in a container) or a cgroup that went: the start just waits as before.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }, _procsFile, preferLocal: false);
    }
}
