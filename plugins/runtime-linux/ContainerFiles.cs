namespace Flotilla.Runtime.Linux;

/// <summary>
/// Where one container's files are. Persistent ones live in the container's scratch directory (given by the daemon):
/// bundle, writable layer, log, exit code, OOM mark. The plugin keeps an index from id to scratch directory so it
/// finds them again after a daemon restart.
/// </summary>
public sealed class ContainerFiles(string id, string scratch, string rootfsMountPoint)
{
    public string Id { get; } = id;
    public string Scratch { get; } = scratch;
    public string Bundle => Path.Combine(Scratch, "bundle");
    public string Config => Path.Combine(Bundle, "config.json");
    /// <summary>The overlay mount point; under the plugin's shared directory so it propagates to the runtime's namespace.</summary>
    public string Rootfs { get; } = rootfsMountPoint;
    public string Upper => Path.Combine(Scratch, "upper");
    public string Work => Path.Combine(Scratch, "work");
    public string Log => Path.Combine(Scratch, "ctr.log");
    public string Persist => Path.Combine(Scratch, "persist");
    public string ExitFile => Path.Combine(Persist, "exit");
    public string OomFile => Path.Combine(Persist, "oom");
    public string PidFile => Path.Combine(Scratch, "pidfile");
    public string MonitorPidFile => Path.Combine(Scratch, "monitor.pid");
    /// <summary>The OCI runtime's own log (JSON lines): its error when it could not run the container.</summary>
    public string RuntimeLog => Path.Combine(Scratch, "runtime.log");
    public string Hostname => Path.Combine(Scratch, "hostname");
    public string Hosts => Path.Combine(Scratch, "hosts");
    public string ResolvConf => Path.Combine(Scratch, "resolv.conf");
}
