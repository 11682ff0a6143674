using Flotilla.Plugins;

namespace Flotilla.Hypervisor.Kvm;

/// <summary>Registers the "kvm" runtime: each container in a one-shot QEMU microVM.</summary>
public sealed class KvmRuntimePlugin : IFlotillaPlugin
{
    public string Name => "hypervisor-kvm";

    public void Register(IPluginRegistry registry, PluginContext context) =>
        registry.AddRuntime(new KvmContainerRuntime(KvmSettings.From(context, Name), context.Logs));
}
