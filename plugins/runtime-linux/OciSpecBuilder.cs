using System.Text.Json.Nodes;
using Flotilla.Plugins;

namespace Flotilla.Runtime.Linux;

/// <summary>
/// Writes the OCI runtime config (config.json) for a container with docker's defaults: its own pid, mount, uts,
/// ipc and network namespaces, docker's default capabilities, a seccomp profile that blocks what docker's does,
/// docker's masked and read-only paths, and the memory and CPU limits asked for.
/// </summary>
public static class OciSpecBuilder
{
    private static readonly string[] DefaultCapabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    private static readonly string[] MaskedPaths =
    [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ];

    private static readonly string[] ReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

    // Syscalls docker's default profile refuses to a container without extra capabilities: kernel modules and
    // keyrings, other namespaces and mounts, clocks, tracing and BPF, swap, reboot of the host's kernel image.
    private static readonly string[] BlockedSyscalls =
    [
        "acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module", "delete_module", "finit_module",
        "fsconfig", "fsmount", "fsopen", "fspick", "get_kernel_syms", "get_mempolicy", "init_module", "ioperm", "iopl",
        "kcmp", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mbind", "mount", "mount_setattr",
        "move_mount", "move_pages", "name_to_handle_at", "nfsservctl", "open_by_handle_at", "open_tree",
        "perf_event_open", "pivot_root", "process_vm_readv", "process_vm_writev", "ptrace", "query_module",
        "quotactl", "reboot", "request_key", "set_mempolicy", "setns", "settimeofday", "stime", "swapoff", "swapon",
        "sysfs", "_sysctl", "umount", "umount2", "unshare", "uselib", "userfaultfd", "ustat", "vm86", "vm86old",
    ];

    /// <param name="NetworkNamespace">A network namespace to join; null for a new one (or the host's, see <see cref="ContainerNetwork.Host"/>).</param>
    public sealed record Files(string Hostname, string Hosts, string ResolvConf, string? NetworkNamespace = null);

    public static JsonObject Build(ContainerSpec spec, string rootfs, Files files, (uint Uid, uint Gid) user, string cgroupsPath, CgroupLayout cgroups)
    {
        var mounts = new JsonArray
        {
            Mount("/proc", "proc", "proc", "nosuid", "noexec", "nodev"),
            Mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
            Mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"),
            Mount("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"),
            Mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
            Mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"),
            Mount("/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro"),
            Mount("/etc/hostname", "bind", files.Hostname, "rbind", "rprivate", "ro"),
            Mount("/etc/hosts", "bind", files.Hosts, "rbind", "rprivate", "ro"),
            Mount("/etc/resolv.conf", "bind", files.ResolvConf, "rbind", "rprivate", "ro"),
        };
        foreach (var m in spec.Mounts)
        {
            mounts.Add(UserMount(m));
        }

        var namespaces = new JsonArray(
            new JsonObject { ["type"] = "pid" },
            new JsonObject { ["type"] = "ipc" },
            new JsonObject { ["type"] = "uts" },
            new JsonObject { ["type"] = "mount" });
        if (files.NetworkNamespace is { } netns)
        {
            namespaces.Add(new JsonObject { ["type"] = "network", ["path"] = netns });
        }
        else if (!spec.Network.Host)
        {
            namespaces.Add(new JsonObject { ["type"] = "network" });
        }
        if (cgroups.Mode == CgroupMode.V2)
        {
            namespaces.Add(new JsonObject { ["type"] = "cgroup" });
        }

        var caps = new JsonArray([.. DefaultCapabilities.Select(c => (JsonNode)c)]);
        var process = new JsonObject
        {
            ["terminal"] = spec.Tty,
            ["user"] = new JsonObject { ["uid"] = user.Uid, ["gid"] = user.Gid },
            ["args"] = Strings(spec.Args),
            ["env"] = Strings(spec.Env),
            ["cwd"] = spec.WorkingDir,
            ["capabilities"] = new JsonObject
            {
                ["bounding"] = caps.DeepClone(), ["effective"] = caps.DeepClone(), ["permitted"] = caps.DeepClone(),
            },
            ["noNewPrivileges"] = false,
            ["oomScoreAdj"] = 0,
        };
        if (spec.Tty && spec.ConsoleSize is { } size)
        {
            process["consoleSize"] = new JsonObject { ["height"] = size.Height, ["width"] = size.Width };
        }

        return new JsonObject
        {
            ["ociVersion"] = "1.0.2",
            ["process"] = process,
            ["root"] = new JsonObject { ["path"] = rootfs, ["readonly"] = false },
            ["hostname"] = spec.Hostname,
            ["mounts"] = mounts,
            ["linux"] = new JsonObject
            {
                ["namespaces"] = namespaces,
                ["cgroupsPath"] = cgroupsPath,
                ["resources"] = Resources(spec.Resources, cgroups),
                ["maskedPaths"] = Strings(MaskedPaths),
                ["readonlyPaths"] = Strings(ReadonlyPaths),
                ["seccomp"] = new JsonObject
                {
                    ["defaultAction"] = "SCMP_ACT_ALLOW",
                    ["architectures"] = Strings(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]),
                    ["syscalls"] = new JsonArray(new JsonObject
                    {
                        ["names"] = Strings(BlockedSyscalls),
                        ["action"] = "SCMP_ACT_ERRNO",
                        ["errnoRet"] = 1,
                    }),
                },
            },
        };
    }

    private static JsonObject Resources(ResourceLimits limits, CgroupLayout cgroups)
    {
        var resources = new JsonObject
        {
            ["devices"] = new JsonArray(
            [
                new JsonObject { ["allow"] = false, ["access"] = "rwm" },
                // null, zero, full, random, urandom, tty, console, ptmx and ptys: what every process expects.
                .. new (int Major, int? Minor)[] { (1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 1), (5, 2), (136, null) }
                    .Select(d => (JsonNode)new JsonObject { ["allow"] = true, ["type"] = "c", ["major"] = d.Major, ["minor"] = d.Minor, ["access"] = "rwm" }),
            ]),
        };
        if (limits.MemoryBytes > 0)
        {
            var memory = new JsonObject { ["limit"] = limits.MemoryBytes };
            // Swap equal to the limit means "no swap beyond it", so a hog meets the OOM killer, not the disk.
            if (cgroups.Mode == CgroupMode.V2 || File.Exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"))
            {
                memory["swap"] = limits.MemoryBytes;
            }

            resources["memory"] = memory;
        }

        if (limits.NanoCpus > 0)
        {
            const long period = 100_000;
            resources["cpu"] = new JsonObject { ["quota"] = limits.NanoCpus * period / 1_000_000_000, ["period"] = period };
        }

        return resources;
    }

    /// <summary>A volume or bind mount, or a tmpfs with docker's options (noexec, nosuid, nodev).</summary>
    internal static JsonObject UserMount(MountSpec m)
    {
        List<string> options = m.Tmpfs is { } tmpfs
            ? ["nosuid", "noexec", "nodev", $"mode={Convert.ToString(tmpfs.Mode, 8)}", .. tmpfs.SizeBytes > 0 ? [$"size={tmpfs.SizeBytes}"] : Array.Empty<string>()]
            : ["rbind", "rprivate"];
        if (m.ReadOnly)
        {
            options.Add("ro");
        }

        return m.Tmpfs is null ? Mount(m.Destination, "bind", m.Source, [.. options]) : Mount(m.Destination, "tmpfs", "tmpfs", [.. options]);
    }

    private static JsonObject Mount(string destination, string type, string source, params string[] options) => new()
    {
        ["destination"] = destination,
        ["type"] = type,
        ["source"] = source,
        ["options"] = Strings(options),
    };

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v)]);
}
