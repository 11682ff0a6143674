namespace Flotilla.Grains.Services;

/// <summary>What the orchestrator must do to bring a service's tasks in line with its spec.</summary>
public sealed class ServicePlan
{
    /// <summary>Tasks whose node is gone, with the reason.</summary>
    public List<(string TaskId, string Reason)> Orphan { get; } = [];

    public List<string> Shutdown { get; } = [];

    /// <summary>New tasks: a slot (replicated) or a node (global, slot 0).</summary>
    public List<(int Slot, string? Node)> Create { get; } = [];

    /// <summary>When to look again although nothing happens (a restart delay, an update delay, a monitor period).</summary>
    public TimeSpan? WakeAfter { get; set; }

    /// <summary>Set when the running update changes state (completed, paused, must roll back).</summary>
    public UpdateState? NewUpdateState { get; set; }

    public string UpdateMessage { get; set; } = "";

    /// <summary>Outdated tasks were replaced now: the next batch waits for the update delay from here.</summary>
    public bool StartedBatch { get; set; }

    public void Wake(TimeSpan after)
    {
        if (after < TimeSpan.Zero)
        {
            after = TimeSpan.Zero;
        }

        WakeAfter = WakeAfter is { } w && w < after ? w : after;
    }
}
