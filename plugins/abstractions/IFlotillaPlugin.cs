namespace Flotilla.Plugins;

/// <summary>
/// The entry point of a plugin assembly. The host finds every public non-abstract type that implements it,
/// creates it with its parameterless constructor and lets it register its drivers (containerd's model: plugins
/// register themselves; the host knows only the contracts).
/// </summary>
public interface IFlotillaPlugin
{
    /// <summary>Short, stable name, e.g. "runtime-linux". Used in configuration and logs.</summary>
    string Name { get; }

    void Register(IPluginRegistry registry, PluginContext context);
}
