using System.Text.Json;
using Flotilla.Plugins;

namespace Flotilla.Runtime.Linux;

// The container's process: conmon launching it, and reading back pid, exit code and OOM marks.
public sealed partial class LinuxContainerRuntime
{
    /// <summary>
    /// Starts conmon, which runs "RUNTIME create" and then supervises the container. It reports on fd 3 (the sync
    /// pipe) the container's pid once created, or -1 and the runtime's error message.
    /// </summary>
    private async Task LaunchConmonAsync(string id, ContainerFiles files, bool openStdin, bool tty, CancellationToken ct)
    {
        foreach (var stale in new[] { files.ExitFile, files.OomFile, files.PidFile, files.ConmonPidFile })
        {
            File.Delete(stale);
        }

        List<string> argv =
        [
            .. _oci.Prefix, _settings.ConmonPath,
            "--api-version", "1",
            "-c", id, "-u", CuUuid(id), "-n", id,
            "-r", _settings.OciRuntimePath,
            "-b", files.Bundle,
            "-p", files.PidFile,
            "-P", files.ConmonPidFile,
            "-l", "k8s-file:" + files.Log,
            "--exit-dir", ExitDirectory,
            "--persist-dir", files.Persist,
            "--socket-dir-path", SocketDirectory,
            "--log-level", "warning",
            "--runtime-arg", "--root", "--runtime-arg", _oci.StateRoot,
        ];
        if (openStdin)
        {
            argv.Add("-i");
        }

        if (tty)
        {
            argv.Add("-t");
        }

        var env = new Dictionary<string, string>
        {
            ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            ["_OCI_SYNCPIPE"] = "3",
        };
        var (pid, sync) = Spawner.SpawnWithSyncPipe(argv, env);
        _ = Task.Run(() => Spawner.Reap(pid), CancellationToken.None); // conmon's first process exits once it has forked

        string report;
        await using (sync)
        using (var reader = new StreamReader(sync))
        {
            // One report line: conmon keeps the pipe open for as long as it supervises the container.
            report = await reader.ReadLineAsync(ct) ?? "";
        }

        var (containerPid, message) = ParseSyncReport(report);
        if (containerPid <= 0)
        {
            var cleaned = RuntimeErrors.Clean(message ?? "conmon exited without reporting (see the daemon log)");
            throw new PluginException($"failed to create the container: {cleaned}",
                cleaned.Contains("executable file not found") || cleaned.Contains("permission denied") || cleaned.Contains("No such file")
                    ? PluginErrorKind.InvalidInput
                    : PluginErrorKind.Failed);
        }
    }

    /// <summary>conmon writes one JSON object per report: {"data": N, "message": "…"} (api version 1) or {"pid": N}.</summary>
    private static (int Pid, string? Message) ParseSyncReport(string report)
    {
        var line = report.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (line is null)
        {
            return (-1, null);
        }

        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var value = root.TryGetProperty("data", out var data) ? data.GetInt32() : root.TryGetProperty("pid", out var p) ? p.GetInt32() : -1;
        return (value, root.TryGetProperty("message", out var m) ? m.GetString() : null);
    }

    /// <summary>conmon links SOCKET-DIR/UUID to the bundle, keeping the attach socket's path short enough for sun_path.</summary>
    private string AttachSocketPath(string id) => Path.Combine(SocketDirectory, CuUuid(id), "attach");

    private static string CuUuid(string id) => id[..Math.Min(16, id.Length)];

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

    private static int? ReadConmonPid(ContainerFiles files) =>
        File.Exists(files.ConmonPidFile) && int.TryParse(File.ReadAllText(files.ConmonPidFile).Trim(), out var pid) ? pid : null;

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
