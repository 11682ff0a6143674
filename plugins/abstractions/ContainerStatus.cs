namespace Flotilla.Plugins;

public enum ContainerState
{
    /// <summary>Prepared, not started.</summary>
    Created,
    Running,
    Exited,
    /// <summary>The runtime holds nothing for this id.</summary>
    Unknown,
}

public sealed record ContainerStatus(
    ContainerState State,
    int? Pid = null,
    DateTimeOffset? StartedAt = null,
    ContainerExit? Exit = null);

/// <param name="ExitCode">As a shell reports it: the process' code, or 128 + signal when a signal ended it.</param>
/// <param name="OomKilled">The kernel's OOM killer ended it.</param>
public sealed record ContainerExit(int ExitCode, DateTimeOffset FinishedAt, bool OomKilled = false, string? Error = null);
