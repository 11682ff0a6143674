namespace Flotilla.Grains.Containers;

/// <summary>How a container's process ended, as its grain records it (the runtime's ContainerExit, Orleans-serializable).</summary>
[GenerateSerializer, Immutable]
public sealed record ExitReport(
    [property: Id(0)] int ExitCode,
    [property: Id(1)] DateTimeOffset FinishedAt,
    [property: Id(2)] bool OomKilled,
    [property: Id(3)] string? Error)
{
    public static ExitReport From(Flotilla.Plugins.ContainerExit exit) => new(exit.ExitCode, exit.FinishedAt, exit.OomKilled, exit.Error);
}
