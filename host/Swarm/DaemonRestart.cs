using System.Runtime.InteropServices;

namespace Flotilla.Host.Swarm;

/// <summary>
/// Joining or leaving a swarm changes how the silo clusters, which Orleans fixes at start. So the daemon stops
/// cleanly and replaces itself with a fresh copy (execve: same pid, same arguments); containers keep running, as
/// they do across any daemon restart, and are re-adopted.
/// </summary>
public sealed class DaemonRestart(IHostApplicationLifetime lifetime)
{
    private static volatile bool s_requested;

    public static bool Requested => s_requested;

    /// <summary>The daemon's command line, to start again with.</summary>
    public static string[] Arguments { get; set; } = [];

    /// <summary>Stops the daemon once the current response has gone out; Program then calls <see cref="Exec"/>.</summary>
    public void AfterResponse(HttpResponse response)
    {
        s_requested = true;
        response.OnCompleted(() =>
        {
            _ = Task.Delay(100).ContinueWith(_ => lifetime.StopApplication());
            return Task.CompletedTask;
        });
    }

    public static void Exec(string[] args)
    {
        var self = Environment.ProcessPath ?? "/proc/self/exe";
        string?[] argv = [self, .. args, null];
        var env = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(e => $"{e.Key}={e.Value}").Cast<string?>().Append(null).ToArray();
        execve(self, argv, env);
        throw new InvalidOperationException($"flotillad could not restart itself ({self}): errno {Marshal.GetLastPInvokeError()}. Start it again by hand.");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int execve(string path, string?[] argv, string?[] envp);
}
