using Orleans.Runtime;

namespace Flotilla.Host.Swarm;

/// <summary>
/// Orleans ends a silo that the cluster declared dead (a real failure, or a node that stalled past the fast failure
/// detection we configure) by failing the process. A node must not stay down for that: its containers run on, so the
/// daemon restarts itself at once, re-adopts them, and its silo joins the cluster again as a new member.
/// </summary>
public sealed class RejoinAfterEviction(ILogger<RejoinAfterEviction> logger) : IFatalErrorHandler
{
    public bool IsUnexpected(Exception exception) => true;

    public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null)
    {
        logger.LogCritical(exception, "The silo was stopped by the cluster ({Context}); restarting the daemon to rejoin", context);
        Serilog.Log.CloseAndFlush();
        DaemonRestart.Exec(DaemonRestart.Arguments);
    }
}
