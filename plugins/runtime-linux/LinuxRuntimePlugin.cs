using Flotilla.Plugins;

namespace Flotilla.Runtime.Linux;

/// <summary>Registers the "linux" runtime: native containers run by crun or runc under our monitor.</summary>
public sealed class LinuxRuntimePlugin : IFlotillaPlugin
{
    public string Name => "runtime-linux";

    public void Register(IPluginRegistry registry, PluginContext context) =>
        registry.AddRuntime(new LinuxContainerRuntime(RuntimeSettings.From(context, Name), context.Logs));
}
