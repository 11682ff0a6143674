using Orleans.Concurrency;

namespace Flotilla.Grains.Scheduling;

/// <summary>
/// The swarm's scheduler (one per cluster, key "scheduler"): places tasks on nodes and holds what each placed task
/// reserves, so that every service sees the same load. It also tells services when a node they use changes.
/// </summary>
public interface ISchedulerGrain : IGrainWithStringKey
{
    Task<IReadOnlyList<PlacementDecision>> PlaceAsync(IReadOnlyList<PlacementRequest> requests);

    /// <summary>Tasks that ended give back what they held.</summary>
    [OneWay]
    Task ReleaseAsync(string[] taskIds);

    /// <summary>A node went down, came up, joined or changed availability: every service re-checks its tasks.</summary>
    [OneWay]
    Task NodeChangedAsync(string node);
}
