using System.Collections.Concurrent;
using Flotilla.Plugins;

namespace Flotilla.Grains.Local;

/// <summary>The drivers this node's plugins registered, by name. Swapping a plugin replaces its entry.</summary>
public sealed class PluginCatalog : IPluginRegistry
{
    private readonly ConcurrentDictionary<string, IContainerRuntime> _runtimes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IVolumeDriver> _volumeDrivers = new(StringComparer.Ordinal);

    public IReadOnlyCollection<IContainerRuntime> Runtimes => _runtimes.Values.ToList();

    public IReadOnlyCollection<IVolumeDriver> VolumeDrivers => _volumeDrivers.Values.ToList();

    public void AddRuntime(IContainerRuntime runtime) => _runtimes[runtime.Name] = runtime;

    public void AddVolumeDriver(IVolumeDriver driver) => _volumeDrivers[driver.Name] = driver;

    public IContainerRuntime Runtime(string name) =>
        _runtimes.TryGetValue(name, out var runtime)
            ? runtime
            : throw FlotillaException.Invalid(
                $"unknown or invalid runtime name: {name}. This node has: {string.Join(", ", _runtimes.Keys.Order())}.");

    public IVolumeDriver VolumeDriver(string name) =>
        _volumeDrivers.TryGetValue(name, out var driver)
            ? driver
            : throw FlotillaException.Invalid(
                $"unknown volume driver: {name}. This node has: {string.Join(", ", _volumeDrivers.Keys.Order())}.");
}
