using Orleans.Concurrency;
using Flotilla.Grains.Placement;

namespace Flotilla.Grains.Containers;

/// <summary>
/// One container on one node. Key: "node/containerId" (see <see cref="NodeScopedKey"/>); it is activated on that
/// node's silo because it drives that node's runtime plugin.
/// </summary>
public interface IContainerGrain : IGrainWithStringKey
{
    /// <summary>Resolves the image and volumes, merges image defaults and prepares the container (state Created).</summary>
    Task<ContainerRecord> CreateAsync(ContainerCreateArgs args);

    /// <summary>Starts the process (Created or Exited → Running). Output goes to attach streams opened before.</summary>
    Task StartAsync();

    /// <summary>SIGTERM, then SIGKILL after <paramref name="timeoutSeconds"/> (docker's stop).</summary>
    Task StopAsync(int timeoutSeconds);

    Task KillAsync(int signal);

    /// <summary>Removes the container; a running one only with <paramref name="force"/>.</summary>
    Task RemoveAsync(bool force);

    [AlwaysInterleave]
    Task<ContainerRecord?> GetAsync();

    /// <summary>The recorded output so far, the last <paramref name="tail"/> lines (all when null).</summary>
    [AlwaysInterleave]
    Task<LogLine[]> ReadLogsAsync(int? tail);

    /// <summary>Brings the recorded state in line with what the runtime holds (after a daemon restart).</summary>
    Task ReconcileAsync();

    /// <summary>Connects the container to another network (docker's network connect).</summary>
    Task<ContainerRecord> ConnectAsync(string network, string[] aliases);

    Task<ContainerRecord> DisconnectAsync(string network);

    /// <summary>Called by the node's exit watcher when the runtime reports the process ended.</summary>
    Task OnExitedAsync(ExitReport exit);
}
