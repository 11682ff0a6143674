using Flotilla.Plugins;

namespace Flotilla.Runtime.Linux;

// The container's process: our monitor launching it, and reading back pid, exit code and OOM marks.
public sealed partial class LinuxContainerRuntime
{
    /// <summary>
    /// Starts the monitor (monitor.c), which runs "RUNTIME run -d" once and then supervises the container. It
    /// reports on fd 3 (the sync pipe): "attach" when <paramref name="attach"/> (connect now: the container starts
    /// once we are connected, so we miss none of its output), then the container's pid or the runtime's error.
    /// </summary>
    private async Task<IContainerStreams?> LaunchMonitorAsync(string id, ContainerFiles files, bool openStdin, bool tty, bool attach, StepTrace trace, CancellationToken ct)
    {
        foreach (var stale in new[] { files.ExitFile, files.OomFile, files.PidFile, files.MonitorPidFile })
        {
            File.Delete(stale);
        }

        List<string> argv =
        [
            _settings.MonitorPath,
            "--runtime", _settings.OciRuntimePath,
            "--root", _oci.StateRoot,
            "--id", id,
            "--bundle", files.Bundle,
            "--pid-file", files.PidFile,
            "--monitor-pid-file", files.MonitorPidFile,
            "--log", files.Log,
            "--runtime-log", files.RuntimeLog,
            "--socket", AttachSocketPath(id),
            "--exit-file", files.ExitFile,
            "--exit-notify", Path.Combine(ExitDirectory, id),
            "--oom-file", files.OomFile,
            "--oom-counter", _cgroups.OomCounterFile(CgroupPath(id)),
        ];
        if (_mountNamespace is not null)
        {
            argv.AddRange(["--mount-ns", _mountNamespace.NamespaceFile]);
        }

        if (openStdin)
        {
            argv.Add("--stdin");
        }

        if (tty)
        {
            argv.Add("--tty");
        }

        if (attach)
        {
            argv.Add("--wait-attach");
        }

        var env = new Dictionary<string, string> { ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };
        var (pid, sync) = Spawner.SpawnWithSyncPipe(argv, env);
        _ = Task.Run(() => Spawner.Reap(pid), CancellationToken.None); // the monitor's first process exits once it has forked

        IContainerStreams? streams = null;
        try
        {
            await using (sync)
            using (var reader = new StreamReader(sync))
            {
                var report = MonitorReport.Parse(await reader.ReadLineAsync(ct));
                if (report.Kind == MonitorReport.ReportKind.Attach)
                {
                    trace.Step("monitor listening");
                    streams = await AttachSocketStreams.ConnectAsync(AttachSocketPath(id), ct);
                    trace.Step("attach");
                    report = MonitorReport.Parse(await reader.ReadLineAsync(ct));
                }

                if (report.Kind != MonitorReport.ReportKind.Started)
                {
                    var cleaned = RuntimeErrors.Clean(report.Message);
                    throw new PluginException($"failed to create the container: {cleaned}",
                        cleaned.Contains("executable file not found") || cleaned.Contains("permission denied") || cleaned.Contains("No such file")
                            ? PluginErrorKind.InvalidInput
                            : PluginErrorKind.Failed);
                }
            }

            return streams;
        }
        catch
        {
            if (streams is not null)
            {
                await streams.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>The container's cgroup, as config.json names it, under every hierarchy.</summary>
    private string CgroupPath(string id) => $"/{_settings.CgroupParent}/{id}";

    /// <summary>In a directory of its own with a short name: a socket's path must fit in sun_path (108 bytes).</summary>
    private string AttachSocketPath(string id) => Path.Combine(SocketDirectory, ShortId(id));

    private static string ShortId(string id) => id[..Math.Min(16, id.Length)];

    private static ContainerExit? ReadExit(ContainerFiles files)
    {
        if (!File.Exists(files.ExitFile) || !int.TryParse(File.ReadAllText(files.ExitFile).Trim(), out var code))
        {
            return null;
        }

        return new ContainerExit(code < 0 ? 255 : code, new DateTimeOffset(File.GetLastWriteTimeUtc(files.ExitFile)), OomKilled: File.Exists(files.OomFile));
    }

    private static int? ReadPid(ContainerFiles files) =>
        File.Exists(files.PidFile) && int.TryParse(File.ReadAllText(files.PidFile).Trim(), out var pid) ? pid : null;

    private static int? ReadMonitorPid(ContainerFiles files) =>
        File.Exists(files.MonitorPidFile) && int.TryParse(File.ReadAllText(files.MonitorPidFile).Trim(), out var pid) ? pid : null;

    private static DateTimeOffset? StartedAt(ContainerFiles files) =>
        File.Exists(files.PidFile) ? new DateTimeOffset(File.GetLastWriteTimeUtc(files.PidFile)) : null;

    private static bool IsAlive(int? pid) => pid is { } p && Directory.Exists($"/proc/{p}");

    /// <summary>Whether the pid is still this container's process, not a recycled pid: its cgroup names the id.</summary>
    private static bool IsContainerProcess(int pid, string id)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cgroup").Contains(id, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string[] ReadLowerDirs(ContainerFiles files)
    {
        var lower = File.ReadAllText(Path.Combine(files.Scratch, "lowerdirs")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lower;
    }

    /// <summary>
    /// overlayfs: the image layers read-only below (the highest first in lowerdir), the container's writable layer above.
    /// </summary>
    private static void MountOverlay(IReadOnlyList<string> layersLowestFirst, ContainerFiles files)
    {
        File.WriteAllLines(Path.Combine(files.Scratch, "lowerdirs"), layersLowestFirst);
        var lower = string.Join(':', layersLowestFirst.Reverse());
        var options = $"lowerdir={lower},upperdir={files.Upper},workdir={files.Work}";
        if (options.Length >= 4096)
        {
            throw new PluginException($"the image has too many layers ({layersLowestFirst.Count}) for one overlay mount's options (4 KiB)", PluginErrorKind.NotSupported);
        }

        if (layersLowestFirst.Count == 0)
        {
            throw new PluginException("the image has no layers", PluginErrorKind.InvalidInput);
        }

        Native.Check(Native.mount("overlay", files.Rootfs, "overlay", 0, options), $"mount overlay on {files.Rootfs}");
    }
}
