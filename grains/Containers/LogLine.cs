namespace Flotilla.Grains.Containers;

/// <summary>One recorded line of a container's output, as it crosses between silos (a service's logs).</summary>
[GenerateSerializer, Immutable]
public sealed record LogLine(
    [property: Id(0)] DateTimeOffset Time,
    [property: Id(1)] bool Stderr,
    [property: Id(2)] byte[] Data);
