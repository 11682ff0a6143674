using Flotilla.Hypervisor.Vm;
using Flotilla.Plugins;

namespace Flotilla.Hypervisor.MacOS;

/// <summary>Registers the "macos" runtime; on a host other than macOS it is listed as unavailable and refuses every call.</summary>
public sealed class MacOSPlugin : IFlotillaPlugin
{
    public string Name => "hypervisor-macos";

    public void Register(IPluginRegistry registry, PluginContext context)
    {
        var host = new MacOSHost(
            MacOSHost.FindVfkit(context.Setting("vfkit")),
            context.PluginRunDirectory(Name),
            new SystemProcessLauncher(),
            OperatingSystem.IsMacOSVersionAtLeast(12));
        registry.AddRuntime(new VmContainerRuntime("macos", VmSettings.From(context, Name), host, context.Logs));
    }
}
