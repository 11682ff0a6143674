using Flotilla.Plugins;

namespace Flotilla.Runtime.Linux;

/// <summary>The plugin's settings (--Plugins:runtime-linux:KEY=VALUE) and where it keeps its files.</summary>
public sealed record RuntimeSettings
{
    /// <summary>"crun" (default) or "runc".</summary>
    public required string OciRuntime { get; init; }
    public required string OciRuntimePath { get; init; }
    /// <summary>Our container monitor (monitor.c), built beside the plugin's assembly.</summary>
    public required string MonitorPath { get; init; }
    /// <summary>Containers' cgroups go under /CGROUP-PARENT/ID in every hierarchy.</summary>
    public required string CgroupParent { get; init; }
    /// <summary>Persistent: the index from container id to its scratch directory.</summary>
    public required string DataDirectory { get; init; }
    /// <summary>Volatile: OCI runtime state, exit files, attach socket links, overlay mount points, the mount namespace.</summary>
    public required string RunDirectory { get; init; }

    public static RuntimeSettings From(PluginContext context, string pluginName)
    {
        var runtime = context.Setting("oci-runtime") ?? "crun";
        if (runtime is not ("crun" or "runc"))
        {
            throw new PluginException($"oci-runtime '{runtime}' is not supported: use crun or runc.", PluginErrorKind.InvalidInput);
        }

        return new RuntimeSettings
        {
            OciRuntime = runtime,
            OciRuntimePath = context.Setting("oci-runtime-path") ?? $"/usr/bin/{runtime}",
            MonitorPath = context.Setting("monitor") ?? Path.Combine(Path.GetDirectoryName(typeof(RuntimeSettings).Assembly.Location)!, "flotilla-monitor"),
            CgroupParent = context.Setting("cgroup-parent") ?? "flotilla",
            DataDirectory = context.PluginDataDirectory(pluginName),
            RunDirectory = context.PluginRunDirectory(pluginName),
        };
    }
}
