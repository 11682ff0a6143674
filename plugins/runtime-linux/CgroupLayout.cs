namespace Flotilla.Runtime.Linux;

public enum CgroupMode
{
    /// <summary>Only cgroup v1 hierarchies.</summary>
    V1,
    /// <summary>v1 hierarchies plus a cgroup2 mount at /sys/fs/cgroup/unified (systemd's "hybrid").</summary>
    Hybrid,
    /// <summary>/sys/fs/cgroup is itself cgroup2.</summary>
    V2,
}

/// <summary>What the host's cgroup mounts look like, read from /proc/self/mountinfo.</summary>
public sealed record CgroupLayout(CgroupMode Mode, IReadOnlyList<string> UnifiedControllers)
{
    public const string UnifiedMount = "/sys/fs/cgroup/unified";

    /// <summary>
    /// Debian's crun 1.8.1 refuses a hybrid host whose cgroup2 hierarchy holds controllers ("cgroups in hybrid mode
    /// not supported, drop all controllers from cgroupv2"); runc does not mind.
    /// </summary>
    public bool CrunRefusesIt => Mode == CgroupMode.Hybrid && UnifiedControllers.Count > 0;

    public string Version => Mode == CgroupMode.V2 ? "2" : "1";

    /// <summary>
    /// Where the kernel counts OOM kills ("oom_kill N") for the cgroup at <paramref name="cgroupPath"/>: memory.events
    /// on cgroup v2, memory.oom_control in the v1 memory hierarchy (crun and runc use v1 on a hybrid host).
    /// </summary>
    public string OomCounterFile(string cgroupPath) =>
        Mode == CgroupMode.V2
            ? $"/sys/fs/cgroup{cgroupPath}/memory.events"
            : $"/sys/fs/cgroup/memory{cgroupPath}/memory.oom_control";

    public static CgroupLayout Detect()
    {
        var mounts = MountTable.Read();
        if (mounts.Any(m => m.MountPoint == "/sys/fs/cgroup" && m.FsType == "cgroup2"))
        {
            return new CgroupLayout(CgroupMode.V2, []);
        }

        var unified = mounts.Any(m => m.MountPoint == UnifiedMount && m.FsType == "cgroup2");
        if (!unified)
        {
            return new CgroupLayout(CgroupMode.V1, []);
        }

        var controllers = File.ReadAllText(Path.Combine(UnifiedMount, "cgroup.controllers"))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new CgroupLayout(CgroupMode.Hybrid, controllers);
    }
}
