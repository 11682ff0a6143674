namespace Flotilla.Grains.Tasks;

/// <summary>swarmkit's task states, in the order a task moves through them; everything from Complete on is final.</summary>
public enum TaskState
{
    New,
    Pending,
    Assigned,
    Accepted,
    Preparing,
    Starting,
    Running,
    Complete,
    Shutdown,
    Failed,
    Rejected,
    Orphaned,
}

public static class TaskStates
{
    public static bool IsFinal(this TaskState s) => s >= TaskState.Complete;

    /// <summary>docker prints states in lower case ("running", "rejected").</summary>
    public static string Wire(this TaskState s) => s.ToString().ToLowerInvariant();
}
