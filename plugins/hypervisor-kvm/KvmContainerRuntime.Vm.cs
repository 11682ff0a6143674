using System.Diagnostics;
using System.Runtime.InteropServices;
using Flotilla.Guest;
using Flotilla.Plugins;
using Microsoft.Extensions.Logging;

namespace Flotilla.Hypervisor.Kvm;

// The VM's process: launching QEMU, watching its boot, its exit, and what the guest reported.
public sealed partial class KvmContainerRuntime
{
    /// <summary>
    /// Starts QEMU in a session of its own, its stdio on a file, and not as our child: the VM runs on when the daemon
    /// stops, and init adopts it. (QEMU's own -daemonize does the same but measured ~1.3 s slower per boot under TCG.)
    /// </summary>
    private static async Task LaunchAsync(string[] argv, VmFiles files, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = files.Vm };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("setsid \"$@\" </dev/null >\"$0\" 2>&1 & echo $!");
        psi.ArgumentList.Add(files.QemuLog);
        foreach (var arg in argv)
        {
            psi.ArgumentList.Add(arg);
        }

        using var sh = Process.Start(psi) ?? throw new PluginException("cannot run /bin/sh to start QEMU");
        var stdout = await sh.StandardOutput.ReadToEndAsync(ct);
        var stderr = await sh.StandardError.ReadToEndAsync(ct);
        await sh.WaitForExitAsync(ct);
        if (!int.TryParse(stdout.Trim(), out var pid))
        {
            throw new PluginException($"QEMU could not be started: {stderr.Trim()}");
        }

        await File.WriteAllTextAsync(files.PidFile, pid.ToString(), CancellationToken.None);
        // Until setsid has exec'd QEMU the pid does not carry the VM's name yet.
        for (var i = 0; i < 200 && !IsRunning(files) && Directory.Exists($"/proc/{pid}"); i++)
        {
            await Task.Delay(5, ct);
        }
    }

    /// <summary>
    /// Waits for the guest's first frame (sent when the command starts). A guest that does not get there within the
    /// boot timeout is killed, so nothing hangs on: the start fails with what its console said.
    /// </summary>
    private async Task WaitForBootAsync(VmFiles files, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (!ChannelFile.GuestStarted(files.ChannelOut))
        {
            if (!IsRunning(files))
            {
                // It stopped before saying anything; WaitAsync reports why.
                return;
            }

            if (deadline.Elapsed > _settings.BootTimeout)
            {
                var reason = $"the VM did not start the command within {_settings.BootTimeout.TotalSeconds:0.#} s (--Plugins:hypervisor-kvm:boot-timeout) and was killed";
                await File.WriteAllTextAsync(files.FailedMark, reason, CancellationToken.None);
                if (ReadPid(files) is { } pid)
                {
                    KillVm(pid);
                    await WaitForVmExitAsync(files, CancellationToken.None);
                }

                throw new PluginException(reason + Tail(files.Console, "its console ended with"));
            }

            await Task.Delay(20, ct);
        }
    }

    private async Task<ContainerExit> ReadExitAsync(VmFiles files, CancellationToken ct)
    {
        var finishedAt = new DateTimeOffset(File.GetLastWriteTimeUtc(File.Exists(files.ChannelOut) ? files.ChannelOut : files.PidFile));
        if (await ChannelFile.ReadExitCodeAsync(files.ChannelOut, ct) is { } code)
        {
            return new ContainerExit(code, finishedAt);
        }

        if (File.Exists(files.KilledMark))
        {
            return new ContainerExit(128 + SIGKILL, finishedAt);
        }

        var error = File.Exists(files.FailedMark)
            ? await File.ReadAllTextAsync(files.FailedMark, ct)
            : "the VM stopped without reporting an exit code" + Tail(files.QemuLog, "QEMU said") + Tail(files.Console, "its console ended with");
        return new ContainerExit(255, finishedAt, Error: error);
    }

    /// <summary>The last lines of a log (QEMU's, or the guest's serial console, which shows panics only), for an error message.</summary>
    private static string Tail(string path, string said)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        var lines = File.ReadLines(path).Where(l => l.Trim().Length > 0).TakeLast(5).ToList();
        return lines.Count == 0 ? "" : $"; {said}: " + string.Join(" | ", lines.Select(l => l.Trim()));
    }

    private static int? ReadPid(VmFiles files)
    {
        try
        {
            return int.TryParse(File.ReadAllText(files.PidFile).Trim(), out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Whether this container's QEMU runs: its pid is alive and still named for this container (not a recycled pid).</summary>
    private static bool IsRunning(VmFiles files)
    {
        if (ReadPid(files) is not { } pid)
        {
            return false;
        }

        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains(files.QemuName, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>QEMU is not our child (init adopted it): a pidfd tells when it exits.</summary>
    private static async Task WaitForVmExitAsync(VmFiles files, CancellationToken ct)
    {
        if (!IsRunning(files) || ReadPid(files) is not { } pid)
        {
            return;
        }

        var pidfd = Native.PidfdOpen(pid);
        if (pidfd < 0)
        {
            return;
        }

        try
        {
            if (!IsRunning(files))
            {
                return;
            }

            await Task.Run(() =>
            {
                while (!Native.PidfdExited(pidfd, 200))
                {
                    ct.ThrowIfCancellationRequested();
                }
            }, ct);
        }
        finally
        {
            Native.close(pidfd);
        }
    }

    private static void KillVm(int pid)
    {
        if (Native.kill(pid, SIGKILL) != 0 && Marshal.GetLastPInvokeError() != Native.ESRCH)
        {
            throw new PluginException($"cannot kill the VM (pid {pid}): {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    private async Task SendAsync(string id, VmFiles files, Frame frame, CancellationToken ct)
    {
        try
        {
            await Input(id, files).WriteAsync(frame, ct);
        }
        catch (IOException e)
        {
            if (_inputs.TryRemove(id, out var broken))
            {
                await broken.DisposeAsync();
            }

            throw new PluginException($"container {id} is not running: its VM no longer reads its channel ({e.Message})", PluginErrorKind.Conflict);
        }
    }

    /// <summary>One writer per VM, so frames from a stdin stream and a kill never interleave.</summary>
    private FrameWriter Input(string id, VmFiles files) => _inputs.GetOrAdd(id, _ => new FrameWriter(OpenFifoForWriting(files.ChannelIn)));

    private const int Enxio = 6;

    private static FileStream OpenFifoForWriting(string path)
    {
        // Non-blocking, so that a FIFO nobody reads (the VM is gone) fails with ENXIO instead of hanging. A VM that is
        // just starting may not have opened its end yet: give it two seconds.
        int fd;
        for (var attempt = 0; ; attempt++)
        {
            fd = Native.open(path, Native.O_WRONLY | Native.O_NONBLOCK | Native.O_CLOEXEC);
            if (fd >= 0)
            {
                break;
            }

            if (Marshal.GetLastPInvokeError() != Enxio || attempt >= 40)
            {
                throw new IOException($"open {path}: {Marshal.GetLastPInvokeErrorMessage()}");
            }

            Thread.Sleep(50);
        }

        Native.fcntl(fd, Native.F_SETFL, Native.fcntl(fd, Native.F_GETFL, 0) & ~Native.O_NONBLOCK);
        return new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, 1);
    }

    /// <summary>overlayfs: the image layers read-only below (the highest first in lowerdir), the container's writable layer above.</summary>
    private static void MountOverlay(IReadOnlyList<string> layersLowestFirst, VmFiles files)
    {
        if (layersLowestFirst.Count == 0)
        {
            throw new PluginException("the image has no layers", PluginErrorKind.InvalidInput);
        }

        File.WriteAllLines(files.LowerDirs, layersLowestFirst);
        var options = $"lowerdir={string.Join(':', layersLowestFirst.Reverse())},upperdir={files.Upper},workdir={files.Work}";
        if (options.Length >= 4096)
        {
            throw new PluginException($"the image has too many layers ({layersLowestFirst.Count}) for one overlay mount's options (4 KiB)", PluginErrorKind.NotSupported);
        }

        Native.Check(Native.mount("overlay", files.Rootfs, "overlay", 0, options), $"mount overlay on {files.Rootfs}");
    }

    private void Unmount(string path)
    {
        if (File.ReadLines("/proc/self/mountinfo").Any(l => l.Split(' ')[4] == path) && Native.umount2(path, Native.MNT_DETACH) != 0)
        {
            _logger.LogWarning("Cannot unmount {Path}: {Error}", path, Marshal.GetLastPInvokeErrorMessage());
        }
    }
}
