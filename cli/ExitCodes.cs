namespace Flotilla.Cli;

/// <summary>docker run's exit codes when the container never ran: 125 the daemon refused, 126 not executable, 127 not found.</summary>
public static class ExitCodes
{
    public static int ForRunFailure(string message) =>
        message.Contains("executable file not found", StringComparison.OrdinalIgnoreCase) ||
        message.Contains("no such file or directory", StringComparison.OrdinalIgnoreCase) ? 127
        : message.Contains("permission denied", StringComparison.OrdinalIgnoreCase) ? 126
        : 125;
}
