namespace Flotilla.Tests.Harness;

/// <summary>
/// Removes what a test run may leave on the host — its own, or an earlier crashed run's: processes whose command
/// line names the run's directory, mounts under it, cgroups of its cgroup parent, then the directory.
/// Everything a test run makes is named with <see cref="Prefix"/>.
/// </summary>
public static class Leftovers
{
    public const string Prefix = "flotilla-test-";

    public static string BaseDirectory => Path.Combine(Path.GetTempPath(), "flotilla-tests");

    /// <summary>Cleans up every earlier run's leftovers (their daemons are gone: the test process that owned them died).</summary>
    public static async Task SweepStaleRunsAsync()
    {
        if (!Directory.Exists(BaseDirectory))
        {
            return;
        }

        foreach (var dir in Directory.GetDirectories(BaseDirectory, Prefix + "*"))
        {
            var owner = Path.Combine(dir, "owner.pid");
            if (File.Exists(owner) && int.TryParse(File.ReadAllText(owner), out var pid) && Directory.Exists($"/proc/{pid}"))
            {
                continue; // a concurrent run that is still alive
            }

            await CleanAsync(dir, Path.GetFileName(dir));
        }
    }

    public static async Task CleanAsync(string runDirectory, string cgroupParent)
    {
        // Processes first (monitors, container processes, daemons), so nothing holds mounts or cgroups.
        KillProcessesMentioning(runDirectory);
        await KillCgroupMembersAsync(cgroupParent);
        var mounts = File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4])
            .Where(m => m.StartsWith(runDirectory, StringComparison.Ordinal))
            .OrderByDescending(m => m.Length)
            .ToList();
        foreach (var m in mounts)
        {
            await Run.ShellAsync($"umount -l '{m}' 2>/dev/null || true");
        }

        await RemoveNetworkObjectsAsync(Path.Combine(runDirectory, "data"));
        await RemoveCgroupsAsync(cgroupParent);
        await Run.ShellAsync($"rm -rf '{runDirectory}'");
    }

    /// <summary>The bridges, veths and nftables table a daemon's network plugin names after its data root (see
    /// plugins/network/NetworkPlugin.cs): left when a daemon died with containers connected.</summary>
    private static async Task RemoveNetworkObjectsAsync(string dataRoot)
    {
        var instance = NetworkInstance(dataRoot);
        foreach (var link in Directory.GetFileSystemEntries("/sys/class/net").Select(Path.GetFileName).Where(l => l!.StartsWith("fl" + instance, StringComparison.Ordinal)))
        {
            await Run.ShellAsync($"ip link del '{link}' 2>/dev/null || true");
        }

        await Run.ShellAsync($"nft delete table inet flotilla_{instance} 2>/dev/null || true");
    }

    public static string NetworkInstance(string dataRoot) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dataRoot)))[..4];

    private static void KillProcessesMentioning(string text)
    {
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(text, StringComparison.Ordinal))
                {
                    System.Diagnostics.Process.GetProcessById(pid).Kill();
                }
            }
            catch (Exception)
            {
                // It ended while we looked.
            }
        }
    }

    private static async Task KillCgroupMembersAsync(string cgroupParent)
    {
        foreach (var dir in CgroupDirectories(cgroupParent))
        {
            foreach (var procs in Directory.EnumerateFiles(dir, "cgroup.procs", SearchOption.AllDirectories))
            {
                foreach (var line in await File.ReadAllLinesAsync(procs))
                {
                    if (int.TryParse(line, out var pid))
                    {
                        try { System.Diagnostics.Process.GetProcessById(pid).Kill(); } catch { /* gone */ }
                    }
                }
            }
        }
    }

    private static async Task RemoveCgroupsAsync(string cgroupParent)
    {
        foreach (var dir in CgroupDirectories(cgroupParent))
        {
            // rmdir depth-first: cgroup directories go only once empty of children.
            await Run.ShellAsync($"find '{dir}' -depth -type d -exec rmdir {{}} \\; 2>/dev/null || true");
        }
    }

    private static IEnumerable<string> CgroupDirectories(string cgroupParent) =>
        Directory.Exists("/sys/fs/cgroup")
            ? Directory.GetDirectories("/sys/fs/cgroup").Select(h => Path.Combine(h, cgroupParent)).Append(Path.Combine("/sys/fs/cgroup", cgroupParent))
                .Where(Directory.Exists).Distinct()
            : [];
}
