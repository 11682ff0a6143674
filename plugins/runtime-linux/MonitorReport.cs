namespace Flotilla.Runtime.Linux;

/// <summary>
/// One line the monitor writes on its sync pipe: "attach" (its attach socket listens and it waits for us),
/// "pid N" (the container runs) or "error MESSAGE" (the runtime failed). No line at all: the monitor died.
/// </summary>
public sealed record MonitorReport(MonitorReport.ReportKind Kind, int Pid, string Message)
{
    public enum ReportKind
    {
        Attach,
        Started,
        Failed,
    }

    public static MonitorReport Parse(string? line)
    {
        var text = line?.Trim() ?? "";
        if (text == "attach")
        {
            return new MonitorReport(ReportKind.Attach, 0, "");
        }

        if (text.StartsWith("pid ", StringComparison.Ordinal) && int.TryParse(text[4..], out var pid) && pid > 0)
        {
            return new MonitorReport(ReportKind.Started, pid, "");
        }

        if (text.StartsWith("error ", StringComparison.Ordinal))
        {
            return new MonitorReport(ReportKind.Failed, 0, text[6..].Trim());
        }

        return new MonitorReport(ReportKind.Failed, 0,
            text.Length == 0 ? "the container's monitor exited without reporting" : $"the container's monitor said something unexpected: {text}");
    }
}
