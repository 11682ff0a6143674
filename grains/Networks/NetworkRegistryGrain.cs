using Flotilla.Grains.Services;
using Flotilla.Plugins;

namespace Flotilla.Grains.Networks;

public sealed class NetworkRegistryGrain(
    [PersistentState("networks", "cluster")] IPersistentState<NetworkRegistryState> state) : Grain, INetworkRegistryGrain
{
    private OverlayNetworks Networks => new(state.State);

    public Task<OverlayNetworkRecord> CreateAsync(OverlayNetworkSpec spec) => ChangeAsync(() => Networks.Create(spec));

    public Task RemoveAsync(string nameOrId) => ChangeAsync(() =>
    {
        Networks.Remove(nameOrId);
        return true;
    });

    public Task<OverlayNetworkRecord[]> ListAsync() => Task.FromResult(state.State.Networks.ToArray());

    public Task<OverlayNetworkRecord?> FindAsync(string nameOrId) => Task.FromResult(Networks.Find(nameOrId));

    public Task<ServiceEndpoint> AttachServiceAsync(string serviceId, string serviceName, string[] networks, PortConfig[] ports) =>
        ChangeAsync(() => Networks.AttachService(serviceId, serviceName, networks, ports));

    public Task DetachServiceAsync(string serviceId) => ChangeAsync(() =>
    {
        Networks.DetachService(serviceId);
        return true;
    });

    public Task<NetworkAttachment[]> AllocateAsync(string owner, string node, string containerName, string[] aliases, string? serviceId, string[] networks) =>
        ChangeAsync(() => Networks.Allocate(owner, node, containerName, aliases, serviceId, networks));

    public Task SetActiveAsync(string owner, bool active) => ChangeAsync(() => Networks.SetActive(owner, active));

    public Task ReleaseAsync(string owner, string? networkId = null) => ChangeAsync(() => Networks.Release(owner, networkId));

    public async Task<(long Version, OverlayPlan? Plan)> PlanAsync(string node, string underlayAddress, long knownVersion)
    {
        var before = state.State.Version;
        var networks = Networks;
        networks.Report(node, underlayAddress);
        if (state.State.Version == knownVersion)
        {
            return (knownVersion, null);
        }

        var plan = networks.PlanFor(node);
        if (state.State.Version != before)
        {
            await state.WriteStateAsync();
        }

        return (state.State.Version, plan);
    }

    /// <summary>Saved only when the version moved; a refused change leaves the state as it was.</summary>
    private async Task<T> ChangeAsync<T>(Func<T> change)
    {
        var before = state.State.Version;
        try
        {
            var result = change();
            if (state.State.Version != before)
            {
                await state.WriteStateAsync();
            }

            return result;
        }
        catch
        {
            await state.ReadStateAsync(); // a change that threw half-way is not kept
            throw;
        }
    }
}
