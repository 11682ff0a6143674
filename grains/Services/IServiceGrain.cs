using Flotilla.Grains.Tasks;
using Orleans.Concurrency;

namespace Flotilla.Grains.Services;

/// <summary>
/// One service (key: service id) and its orchestrator: it keeps the service's tasks in line with its spec, replacing
/// tasks whose container ended or whose node died, and rolls out spec changes.
/// </summary>
public interface IServiceGrain : IGrainWithStringKey
{
    Task<ServiceView> CreateAsync(ServiceSpec spec);

    [AlwaysInterleave]
    Task<ServiceView?> GetAsync();

    /// <summary>Replaces the spec (docker's update: the whole spec); <paramref name="version"/> guards against lost updates.</summary>
    Task<ServiceView> UpdateAsync(ServiceSpec spec, long version);

    /// <summary>Goes back to the spec before the last update.</summary>
    Task<ServiceView> RollbackAsync(long version);

    /// <summary>Shuts every task down and forgets the service.</summary>
    Task RemoveAsync();

    [AlwaysInterleave]
    Task<IReadOnlyList<TaskRecord>> ListTasksAsync();

    /// <summary>From a task grain: one of this service's tasks changed.</summary>
    [OneWay]
    Task TaskChangedAsync(TaskRecord task);

    /// <summary>What this service's placed tasks hold, by task id: the scheduler rebuilds its reservations from these.</summary>
    [AlwaysInterleave]
    Task<Dictionary<string, Scheduling.Reservation>> ReservationsAsync();

    /// <summary>Look again now (a node changed).</summary>
    [OneWay]
    Task ReconcileAsync();
}
