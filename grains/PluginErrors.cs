using Flotilla.Plugins;

namespace Flotilla.Grains;

/// <summary>Carries a plugin's error to the user with the same meaning.</summary>
public static class PluginErrors
{
    public static FlotillaException ToFlotilla(this PluginException e) => new(
        e.Kind switch
        {
            PluginErrorKind.InvalidInput => ErrorKind.InvalidInput,
            PluginErrorKind.NotFound => ErrorKind.NotFound,
            PluginErrorKind.Conflict => ErrorKind.Conflict,
            PluginErrorKind.NotSupported => ErrorKind.NotSupported,
            _ => ErrorKind.Failed,
        },
        e.Message);

    /// <summary>The exit code a shell would give for a process that could not be started (docker's mapping).</summary>
    public static int StartFailureExitCode(string message) =>
        message.Contains("executable file not found", StringComparison.OrdinalIgnoreCase) ||
        message.Contains("no such file or directory", StringComparison.OrdinalIgnoreCase) ? 127
        : message.Contains("permission denied", StringComparison.OrdinalIgnoreCase) ? 126
        : 128;
}
