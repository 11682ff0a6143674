namespace Flotilla.Grains.Services;

[GenerateSerializer, Immutable]
public sealed record ServiceEntry([property: Id(0)] string Id, [property: Id(1)] string Name);
