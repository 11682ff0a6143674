using Flotilla.Runtime.Linux;

namespace Flotilla.Tests.RuntimeLinux;

/// <summary>The lines monitor.c writes on its sync pipe, as the plugin reads them.</summary>
public sealed class MonitorReportTests
{
    [Fact]
    public void Attach_pid_and_error_lines_are_told_apart()
    {
        Assert.Equal(MonitorReport.ReportKind.Attach, MonitorReport.Parse("attach\n").Kind);

        var started = MonitorReport.Parse("pid 4242");
        Assert.Equal((MonitorReport.ReportKind.Started, 4242), (started.Kind, started.Pid));

        var failed = MonitorReport.Parse("error {\"msg\":\"container `x` already exists\",\"level\":\"error\"}");
        Assert.Equal(MonitorReport.ReportKind.Failed, failed.Kind);
        Assert.Equal("{\"msg\":\"container `x` already exists\",\"level\":\"error\"}", failed.Message);
    }

    [Theory]
    [InlineData(null, "exited without reporting")]
    [InlineData("", "exited without reporting")]
    [InlineData("pid 0", "unexpected: pid 0")]
    [InlineData("pid x", "unexpected: pid x")]
    [InlineData("hello", "unexpected: hello")]
    public void Anything_else_is_a_failure_that_says_what_came(string? line, string message)
    {
        var report = MonitorReport.Parse(line);
        Assert.Equal(MonitorReport.ReportKind.Failed, report.Kind);
        Assert.Contains(message, report.Message);
    }
}
