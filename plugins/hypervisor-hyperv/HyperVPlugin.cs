using Flotilla.Hypervisor.Vm;
using Flotilla.Plugins;

namespace Flotilla.Hypervisor.HyperV;

/// <summary>Registers the "hyperv" runtime; on a host without Hyper-V it is listed as unavailable and refuses every call.</summary>
public sealed class HyperVPlugin : IFlotillaPlugin
{
    public string Name => "hypervisor-hyperv";

    public void Register(IPluginRegistry registry, PluginContext context) =>
        registry.AddRuntime(new VmContainerRuntime("hyperv", VmSettings.From(context, Name), new HyperVHost(), context.Logs));
}
