using Flotilla.Grains.Scheduling;
using Orleans.Runtime;

namespace Flotilla.Host.Swarm;

/// <summary>
/// Follows the cluster's membership: when a node's silo is declared dead or becomes active, the scheduler tells
/// every service to look again at once (rather than at its next periodic check). Each silo watches; only the
/// oldest live one reports, so services hear of a change once.
/// </summary>
public sealed class MembershipWatcher(IClusterMembershipService membership, IGrainFactory grains, ILocalSiloDetails self, ILogger<MembershipWatcher> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stop = new();

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(MembershipWatcher), ServiceLifecycleStage.Active,
            Start,
            Stop);

    private Task Start(CancellationToken ct)
    {
        _ = WatchAsync(_stop.Token);
        return Task.CompletedTask;
    }

    private Task Stop(CancellationToken ct)
    {
        _stop.Cancel();
        return Task.CompletedTask;
    }

    private async Task WatchAsync(CancellationToken ct)
    {
        var previous = membership.CurrentSnapshot;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(ct))
            {
                var changes = snapshot.CreateUpdate(previous).Changes;
                previous = snapshot;
                var reporter = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).MinBy(m => m.SiloAddress);
                if (reporter?.SiloAddress != self.SiloAddress)
                {
                    continue;
                }

                foreach (var change in changes.Where(c => c.Status is SiloStatus.Active or SiloStatus.Dead))
                {
                    logger.LogInformation("Node {Node} is now {Status}", change.Name, change.Status == SiloStatus.Active ? "ready" : "down");
                    await grains.GetGrain<ISchedulerGrain>("scheduler").NodeChangedAsync(change.Name);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "Stopped following cluster membership: {Message}", e.Message);
        }
    }
}
