using Flotilla.Plugins;

namespace Flotilla.Bench.NullRuntime;

/// <summary>Registers the "null" runtime: for the control-plane benchmark only, never shipped.</summary>
public sealed class NullRuntimePlugin : IFlotillaPlugin
{
    public string Name => "null-runtime";

    public void Register(IPluginRegistry registry, PluginContext context) => registry.AddRuntime(new NullRuntime());
}
