using Flotilla.Grains.Services;
using Flotilla.Grains.Swarm;

namespace Flotilla.Grains.Scheduling;

public sealed class SchedulerGrain([PersistentState("scheduler", "cluster")] IPersistentState<SchedulerState> state)
    : Grain, ISchedulerGrain
{
    public async Task<IReadOnlyList<PlacementDecision>> PlaceAsync(IReadOnlyList<PlacementRequest> requests)
    {
        var nodes = await GrainFactory.GetGrain<INodeRegistryGrain>("nodes").ListAsync();
        var scheduler = new TaskScheduler(nodes, state.State.Reservations);
        var decisions = requests.Select(scheduler.Place).ToList();
        if (decisions.Any(d => d.Node is not null))
        {
            await state.WriteStateAsync();
        }

        return decisions;
    }

    public async Task ReleaseAsync(string[] taskIds)
    {
        if (taskIds.Count(id => state.State.Reservations.Remove(id)) > 0)
        {
            await state.WriteStateAsync();
        }
    }

    public async Task NodeChangedAsync(string node)
    {
        foreach (var service in await GrainFactory.GetGrain<IServiceCatalogGrain>("services").ListAsync())
        {
            await GrainFactory.GetGrain<IServiceGrain>(service.Id).ReconcileAsync();
        }
    }
}
