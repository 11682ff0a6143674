using Microsoft.Extensions.Logging;

namespace Flotilla.Plugins;

/// <summary>What the host hands a plugin when it registers.</summary>
/// <param name="DataRoot">The node's persistent data root (e.g. /var/lib/flotilla). A plugin keeps its files under
/// <c>DataRoot/plugins/NAME</c> (see <see cref="PluginDataDirectory"/>).</param>
/// <param name="RunRoot">The node's volatile state root (e.g. /run/flotilla): sockets, pid files.</param>
/// <param name="Settings">This plugin's section of the node configuration, flattened ("crun:path" → "/usr/bin/crun").</param>
/// <param name="Logs">Structured logging; the host routes it to Serilog.</param>
public sealed record PluginContext(
    string DataRoot,
    string RunRoot,
    IReadOnlyDictionary<string, string?> Settings,
    ILoggerFactory Logs)
{
    public string PluginDataDirectory(string pluginName) => Path.Combine(DataRoot, "plugins", pluginName);

    public string PluginRunDirectory(string pluginName) => Path.Combine(RunRoot, "plugins", pluginName);

    public string? Setting(string key) => Settings.TryGetValue(key, out var v) ? v : null;
}
