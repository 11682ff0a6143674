using System.Diagnostics;

namespace Flotilla.Hypervisor.Kvm;

/// <summary>
/// Whether KVM really boots the guest kernel here. An openable /dev/kvm is not enough: under some nested
/// hypervisors KVM runs real-mode code yet never gets a Linux kernel to its first message. The probe boots the
/// kernel with an init that does not exist: it panics, and with panic=-1 and -no-reboot QEMU exits at once. Under
/// working KVM that takes well under a second; a probe that has not finished in <see cref="Timeout"/> means TCG.
/// </summary>
internal static class AcceleratorProbe
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The answer is kept beside the kernel for the rest of this boot of the host (keyed by its boot id), so that
    /// only the first daemon to run a VM pays for the probe.
    /// </summary>
    public static async Task<bool> KvmBootsAsync(string qemu, string kernel)
    {
        if (!DevKvmOpens() || !File.Exists(qemu) || !File.Exists(kernel))
        {
            return false;
        }

        var bootId = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        var remembered = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(kernel))!, $"kvm-probe-{bootId}");
        if (File.Exists(remembered))
        {
            return File.ReadAllText(remembered).Trim() == "kvm";
        }

        var boots = await ProbeAsync(qemu, kernel);
        try
        {
            File.WriteAllText(remembered, boots ? "kvm\n" : "tcg\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only kernel directory: the next daemon probes again.
        }

        return boots;
    }

    private static async Task<bool> ProbeAsync(string qemu, string kernel)
    {

        var psi = new ProcessStartInfo(qemu) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[]
                 {
                     "-M", "microvm,x-option-roms=off,pit=off,pic=off", "-accel", "kvm", "-cpu", "host", "-m", "128M",
                     "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-serial", "null",
                     "-kernel", kernel, "-append", "console=ttyS0 loglevel=1 panic=-1 rdinit=/flotilla-probe",
                 })
        {
            psi.ArgumentList.Add(a);
        }

        using var probe = Process.Start(psi)!;
        _ = probe.StandardOutput.ReadToEndAsync();
        _ = probe.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await probe.WaitForExitAsync(timeout.Token);
            return probe.ExitCode == 0;
        }
        catch (OperationCanceledException)
        {
            probe.Kill();
            await probe.WaitForExitAsync();
            return false;
        }
    }

    private static bool DevKvmOpens()
    {
        try
        {
            using var kvm = File.Open("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
