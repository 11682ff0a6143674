namespace Flotilla.Grains.Services;

/// <summary>Where a rolling update stands (docker's UpdateStatus).</summary>
[GenerateSerializer, Immutable]
public sealed record UpdateStatus(
    [property: Id(0)] UpdateState State,
    [property: Id(1)] DateTimeOffset StartedAt,
    [property: Id(2)] DateTimeOffset? CompletedAt,
    [property: Id(3)] string Message);

public enum UpdateState
{
    Updating,
    Paused,
    Completed,
    RollbackStarted,
    RollbackPaused,
    RollbackCompleted,
}
