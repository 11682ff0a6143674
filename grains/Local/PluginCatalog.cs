using System.Collections.Concurrent;
using Flotilla.Plugins;

namespace Flotilla.Grains.Local;

/// <summary>The drivers this node's plugins registered, by name. Swapping a plugin replaces its entry.</summary>
public sealed class PluginCatalog : IPluginRegistry
{
    private readonly ConcurrentDictionary<string, IContainerRuntime> _runtimes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IVolumeDriver> _volumeDrivers = new(StringComparer.Ordinal);
    private INetworkDriver? _networkDriver;

    public IReadOnlyCollection<IContainerRuntime> Runtimes => _runtimes.Values.ToList();

    public IReadOnlyCollection<IVolumeDriver> VolumeDrivers => _volumeDrivers.Values.ToList();

    public bool HasNetworkDriver => _networkDriver is not null;

    public void AddRuntime(IContainerRuntime runtime) => _runtimes[runtime.Name] = runtime;

    public void AddVolumeDriver(IVolumeDriver driver) => _volumeDrivers[driver.Name] = driver;

    public void AddNetworkDriver(INetworkDriver driver) => _networkDriver = driver;

    /// <summary>The node's network driver (one per node for now: the "bridge" driver of plugins/network).</summary>
    public INetworkDriver NetworkDriver => _networkDriver
        ?? throw FlotillaException.Invalid("this node has no network plugin: run containers with --network none or host, or install plugins/network.");

    /// <summary>The runtimes that can run containers here; the others are only listed.</summary>
    public IReadOnlyCollection<IContainerRuntime> AvailableRuntimes => _runtimes.Values.Where(r => r.UnavailableReason is null).ToList();

    public IContainerRuntime Runtime(string name)
    {
        if (!_runtimes.TryGetValue(name, out var runtime))
        {
            throw FlotillaException.Invalid($"unknown or invalid runtime name: {name}. This node has: {AvailableNames()}.");
        }

        return runtime.UnavailableReason is { } reason
            ? throw FlotillaException.Invalid($"runtime {name} is not supported on this host ({reason}); this node has: {AvailableNames()}.")
            : runtime;
    }

    private string AvailableNames() => string.Join(", ", AvailableRuntimes.Select(r => r.Name).Order());

    public IVolumeDriver VolumeDriver(string name) =>
        _volumeDrivers.TryGetValue(name, out var driver)
            ? driver
            : throw FlotillaException.Invalid(
                $"unknown volume driver: {name}. This node has: {string.Join(", ", _volumeDrivers.Keys.Order())}.");
}
