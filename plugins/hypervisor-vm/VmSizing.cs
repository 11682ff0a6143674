using Flotilla.Plugins;

namespace Flotilla.Hypervisor.Vm;

/// <summary>Turns a container's limits into a VM's size: its memory limit becomes the guest's RAM, its CPU quota its vCPUs.</summary>
public static class VmSizing
{
    public const int DefaultMemoryMiB = 512;

    /// <summary>Below this a Debian kernel with the guest init does not boot reliably.</summary>
    public const int MinimumMemoryMiB = 64;

    public static (int MemoryMiB, int Cpus) From(ResourceLimits limits, int defaultMemoryMiB, int hostCpus)
    {
        var memory = defaultMemoryMiB;
        if (limits.MemoryBytes > 0)
        {
            var mib = (limits.MemoryBytes + (1 << 20) - 1) >> 20;
            if (mib < MinimumMemoryMiB)
            {
                throw new PluginException(
                    $"--memory {limits.MemoryBytes} bytes is below the {MinimumMemoryMiB} MiB a VM guest needs to boot: give at least --memory {MinimumMemoryMiB}m",
                    PluginErrorKind.InvalidInput);
            }

            // Hypervisors map guest RAM in 2 MiB pages (hcsshim rounds the same way).
            memory = (int)Math.Min(int.MaxValue - 1, (mib + 1) / 2 * 2);
        }

        var cpus = limits.NanoCpus > 0 ? (int)Math.Ceiling(limits.NanoCpus / 1e9) : 1;
        return (memory, Math.Clamp(cpus, 1, Math.Max(1, hostCpus)));
    }
}
