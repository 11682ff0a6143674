namespace Flotilla.Plugins;

/// <summary>What a plugin may add to a node: one method per plugin kind.</summary>
public interface IPluginRegistry
{
    void AddRuntime(IContainerRuntime runtime);

    void AddVolumeDriver(IVolumeDriver driver);

    void AddNetworkDriver(INetworkDriver driver) =>
        throw new NotSupportedException($"{GetType().Name} takes no network drivers.");
}
