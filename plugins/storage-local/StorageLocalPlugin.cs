using Flotilla.Plugins;
using Microsoft.Extensions.Logging;

namespace Flotilla.Storage.Local;

/// <summary>Registers the "local" volume driver: volumes are directories under the plugin's data directory.</summary>
public sealed class StorageLocalPlugin : IFlotillaPlugin
{
    public string Name => "storage-local";

    public void Register(IPluginRegistry registry, PluginContext context)
    {
        var driver = new LocalVolumeDriver(Path.Combine(context.PluginDataDirectory(Name), "volumes"), context.Logs.CreateLogger<LocalVolumeDriver>());
        driver.CleanUp();
        registry.AddVolumeDriver(driver);
    }
}
