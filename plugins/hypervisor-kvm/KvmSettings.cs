using Flotilla.Plugins;

namespace Flotilla.Hypervisor.Kvm;

/// <summary>The plugin's settings (--Plugins:hypervisor-kvm:KEY=VALUE) and where it keeps its files.</summary>
public sealed record KvmSettings
{
    public const string DefaultCache = "/var/cache/flotilla/vm/current";

    public required string QemuPath { get; init; }

    /// <summary>An uncompressed vmlinux with a PVH note, booted directly.</summary>
    public required string KernelPath { get; init; }

    /// <summary>The guest initramfs (plugins/guest); the per-run configuration cpio is appended to a copy of it.</summary>
    public required string InitramfsPath { get; init; }

    /// <summary>"kvm", "tcg", or "auto" (kvm when /dev/kvm opens read-write).</summary>
    public required string Accelerator { get; init; }

    /// <summary>
    /// How long the guest may take from QEMU's start to running the command before the VM is killed. Under the
    /// daemon's 30 s call timeout, so a start that fails says why. Also how long an exec waits for the guest to answer.
    /// </summary>
    public required TimeSpan BootTimeout { get; init; }

    /// <summary>Guest RAM when the container sets no --memory.</summary>
    public required long DefaultMemoryBytes { get; init; }

    /// <summary>Persistent: the index from container id to its scratch directory.</summary>
    public required string DataDirectory { get; init; }

    public static KvmSettings From(PluginContext context, string pluginName)
    {
        var accel = context.Setting("accel") ?? "auto";
        if (accel is not ("auto" or "kvm" or "tcg"))
        {
            throw new PluginException($"--Plugins:{pluginName}:accel={accel} is not valid: use auto, kvm or tcg.", PluginErrorKind.InvalidInput);
        }

        return new KvmSettings
        {
            QemuPath = context.Setting("qemu") ?? "/usr/bin/qemu-system-x86_64",
            KernelPath = context.Setting("kernel") ?? Path.Combine(DefaultCache, "vmlinux"),
            InitramfsPath = context.Setting("initramfs") ?? Path.Combine(DefaultCache, "initramfs.cpio"),
            Accelerator = accel,
            BootTimeout = ParseSeconds(context.Setting("boot-timeout"), TimeSpan.FromSeconds(20), $"--Plugins:{pluginName}:boot-timeout"),
            DefaultMemoryBytes = 256L * 1024 * 1024,
            DataDirectory = context.PluginDataDirectory(pluginName),
        };
    }

    private static TimeSpan ParseSeconds(string? value, TimeSpan fallback, string what)
    {
        if (value is null)
        {
            return fallback;
        }

        return double.TryParse(value.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new PluginException($"{what}={value} is not a number of seconds (e.g. 30 or 2.5s).", PluginErrorKind.InvalidInput);
    }
}
