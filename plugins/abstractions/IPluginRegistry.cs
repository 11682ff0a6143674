namespace Flotilla.Plugins;

/// <summary>What a plugin may add to a node: one method per plugin kind.</summary>
public interface IPluginRegistry
{
    void AddRuntime(IContainerRuntime runtime);

    void AddVolumeDriver(IVolumeDriver driver);
}
