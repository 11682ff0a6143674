using Flotilla.Grains;
using Flotilla.Grains.Containers;
using Flotilla.Host.Api;
using Xunit;

namespace Flotilla.Daemon.Tests;

public sealed class ApiParsingTests
{
    [Theory]
    [InlineData("KILL", 9)]
    [InlineData("SIGTERM", 15)]
    [InlineData("hup", 1)]
    [InlineData("10", 10)]
    public void Signals_parse_by_name_or_number(string text, int number) => Assert.Equal(number, Signals.Parse(text));

    [Fact]
    public void Unknown_signal_is_refused() => Assert.Throws<FlotillaException>(() => Signals.Parse("SIGNOPE"));

    [Fact]
    public void Import_changes_set_the_image_defaults()
    {
        var options = ImportChanges.Parse(["CMD [\"/bin/sh\",\"-c\",\"x\"]", "WORKDIR /srv", "ENV A b", "USER nobody", "LABEL k=v"], "msg");
        Assert.Equal(["/bin/sh", "-c", "x"], options.Cmd);
        Assert.Equal("/srv", options.WorkingDir);
        Assert.Contains("A=b", options.Env!);
        Assert.Equal("nobody", options.User);
        Assert.Equal("v", options.Labels!["k"]);
        Assert.Equal("msg", options.Message);
        Assert.Equal(["/bin/sh", "-c", "echo hi"], ImportChanges.Parse(["CMD echo hi"], null).Cmd);
        Assert.Throws<FlotillaException>(() => ImportChanges.Parse(["EXPOSE 80"], null));
    }

    [Fact]
    public void Status_texts_read_like_docker()
    {
        var now = DateTimeOffset.UtcNow;
        var running = new ContainerRecord { Id = "x", Status = ContainerLifecycle.Running, StartedAt = now.AddSeconds(-5) };
        var exited = new ContainerRecord { Id = "x", Status = ContainerLifecycle.Exited, ExitCode = 3, FinishedAt = now.AddMinutes(-2) };
        Assert.Equal("Up 5 seconds", ContainerView.StatusText(running, now));
        Assert.Equal("Exited (3) 2 minutes ago", ContainerView.StatusText(exited, now));
        Assert.Equal("About an hour", ContainerView.Human(TimeSpan.FromMinutes(61)));
    }
}
