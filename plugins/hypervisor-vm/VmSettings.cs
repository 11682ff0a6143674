using Flotilla.Plugins;

namespace Flotilla.Hypervisor.Vm;

/// <summary>A VM runtime's configuration (<c>--Plugins:NAME:KEY=VALUE</c>), with the defaults a plain install needs.</summary>
/// <param name="Kernel">The guest kernel booted directly ("kernel").</param>
/// <param name="Initrd">The base initramfs with the guest init ("initrd"); each run appends its own config to a copy.</param>
/// <param name="StateDirectory">Where the runtime keeps each container's record, output and exit code.</param>
/// <param name="BootTimeout">How long the guest may take to open its channel before the VM is stopped ("boot-timeout", seconds).</param>
public sealed record VmSettings(
    string PluginName,
    string Kernel,
    string Initrd,
    string StateDirectory,
    int DefaultMemoryMiB,
    TimeSpan BootTimeout)
{
    public static VmSettings From(PluginContext context, string pluginName)
    {
        var data = context.PluginDataDirectory(pluginName);
        return new VmSettings(
            pluginName,
            context.Setting("kernel") ?? Path.Combine(data, "vmlinux"),
            context.Setting("initrd") ?? Path.Combine(data, "initrd.img"),
            Path.Combine(data, "containers"),
            int.TryParse(context.Setting("default-memory-mib"), out var memory) ? memory : VmSizing.DefaultMemoryMiB,
            TimeSpan.FromSeconds(int.TryParse(context.Setting("boot-timeout"), out var seconds) ? seconds : 60));
    }
}
