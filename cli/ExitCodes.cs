namespace Flotilla.Cli;

/// <summary>docker's exit codes for a container that never ran.</summary>
public static class ExitCodes
{
    /// <summary>The daemon refused the request (bad image, bad flags, name in use) or flotilla could not reach it.</summary>
    public const int Refused = 125;

    public const int CannotInvoke = 126;

    public const int NotFound = 127;

    /// <summary>What docker run exits with when the container could not be started, judged by the daemon's message.</summary>
    public static int ForStartFailure(string message) =>
        Contains(message, "executable file not found") || Contains(message, "no such file") ? NotFound
        : Contains(message, "permission denied") || Contains(message, "is a directory") ? CannotInvoke
        : Refused;

    private static bool Contains(string message, string text) => message.Contains(text, StringComparison.OrdinalIgnoreCase);
}
