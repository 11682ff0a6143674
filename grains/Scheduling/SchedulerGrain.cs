using Flotilla.Grains.Services;
using Flotilla.Grains.Swarm;

namespace Flotilla.Grains.Scheduling;

/// <summary>
/// Holds what each placed task reserves in memory only: every reservation is derivable from the services, which
/// know where each of their tasks runs. A new activation (after its silo died, or after a full restart from the
/// database) asks every service for its tasks before it places or releases anything, as swarmkit's scheduler rebuilds
/// from the store's tasks when it becomes leader. Writing the whole reservation table on every placement and release
/// cost O(tasks) per write.
/// </summary>
public sealed class SchedulerGrain(NodeDirectory nodeDirectory) : Grain, ISchedulerGrain
{
    private TaskScheduler? _scheduler;

    public async Task<IReadOnlyList<PlacementDecision>> PlaceAsync(IReadOnlyList<PlacementRequest> requests)
    {
        var nodes = await nodeDirectory.ListAsync();
        var scheduler = await SchedulerAsync(nodes);
        scheduler.UseNodes(nodes);
        return scheduler.PlaceAll(requests);
    }

    public async Task ReleaseAsync(string[] taskIds)
    {
        var scheduler = _scheduler ?? await SchedulerAsync(await nodeDirectory.ListAsync());
        foreach (var id in taskIds)
        {
            scheduler.Release(id);
        }
    }

    public async Task NodeChangedAsync(string node)
    {
        foreach (var service in await GrainFactory.GetGrain<IServiceCatalogGrain>("services").ListAsync())
        {
            await GrainFactory.GetGrain<IServiceGrain>(service.Id).ReconcileAsync();
        }
    }

    /// <summary>
    /// The services answer interleaved (their orchestrator may be waiting on this grain right now), and a service
    /// never calls the scheduler while it activates, so asking them cannot deadlock.
    /// </summary>
    private async Task<TaskScheduler> SchedulerAsync(IReadOnlyList<NodeView> nodes)
    {
        if (_scheduler is null)
        {
            var services = await GrainFactory.GetGrain<IServiceCatalogGrain>("services").ListAsync();
            var held = await Task.WhenAll(services.Select(s => GrainFactory.GetGrain<IServiceGrain>(s.Id).ReservationsAsync()));
            var reservations = new Dictionary<string, Reservation>(StringComparer.Ordinal);
            foreach (var (taskId, reservation) in held.SelectMany(h => h))
            {
                reservations[taskId] = reservation;
            }

            _scheduler = new TaskScheduler(nodes, reservations);
        }

        return _scheduler;
    }
}
