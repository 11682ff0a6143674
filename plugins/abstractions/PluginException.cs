namespace Flotilla.Plugins;

/// <summary>What went wrong, said for the user: which input, what was wrong, what to do.</summary>
public class PluginException(string message, PluginErrorKind kind = PluginErrorKind.Failed, Exception? inner = null)
    : Exception(message, inner)
{
    public PluginErrorKind Kind { get; } = kind;
}

/// <summary>Lets the API answer with the right status code without knowing the plugin.</summary>
public enum PluginErrorKind
{
    Failed,
    InvalidInput,
    NotFound,
    Conflict,
    NotSupported,
}
