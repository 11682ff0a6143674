using System.Text.RegularExpressions;
using Flotilla.Plugins;

namespace Flotilla.Runtime.Linux;

/// <summary>Says the OCI runtime's errors in docker's words, which users (and the CLI's exit codes) know.</summary>
public static partial class RuntimeErrors
{
    [GeneratedRegex("executable file `(?<cmd>[^`]*)` not found in \\$PATH")]
    private static partial Regex CrunNotFound();

    [GeneratedRegex("exec: \"(?<cmd>[^\"]*)\": executable file not found in \\$PATH")]
    private static partial Regex RuncNotFound();

    public static string Clean(string message)
    {
        var text = message.Replace("\n", " ").Trim();
        // The runtimes' logs are JSON lines (--log-format json); the error is the last message, after any warnings.
        if (Regex.Matches(text, "\"msg\":\"(?<m>(?:[^\"\\\\]|\\\\.)*)\"").LastOrDefault() is { } msg)
        {
            text = Regex.Unescape(msg.Groups["m"].Value);
        }

        foreach (var pattern in new[] { CrunNotFound(), RuncNotFound() })
        {
            if (pattern.Match(text) is { Success: true } m)
            {
                return $"exec: \"{m.Groups["cmd"].Value}\": executable file not found in $PATH";
            }
        }

        return text;
    }

    /// <summary>The exit code a shell gives for a command it could not start, which docker gives too.</summary>
    public static int StartFailureExitCode(string message) =>
        message.Contains("not found", StringComparison.OrdinalIgnoreCase) || message.Contains("no such file", StringComparison.OrdinalIgnoreCase) ? 127
        : message.Contains("permission denied", StringComparison.OrdinalIgnoreCase) ? 126
        : RuntimeFailure;

    /// <summary>What the runtime's own failure exits with.</summary>
    public const int RuntimeFailure = 255;

    public static PluginErrorKind KindOf(string message) =>
        message.Contains("does not exist", StringComparison.OrdinalIgnoreCase) || message.Contains("not found", StringComparison.OrdinalIgnoreCase)
            && message.Contains("container", StringComparison.OrdinalIgnoreCase)
            ? PluginErrorKind.NotFound
            : PluginErrorKind.Failed;
}
