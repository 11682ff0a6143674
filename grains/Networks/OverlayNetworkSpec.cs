namespace Flotilla.Grains.Networks;

/// <summary>What <c>network create --driver overlay</c> asks for.</summary>
/// <param name="Subnet">CIDR; null lets the swarm pick a free /24 of 10.0.0.0/8.</param>
/// <param name="Attachable">Whether standalone containers (<c>run --network</c>) may join it, not only services' tasks.</param>
[GenerateSerializer, Immutable]
public sealed record OverlayNetworkSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] string? Subnet = null,
    [property: Id(2)] string? Gateway = null,
    [property: Id(3)] bool Attachable = false,
    [property: Id(4)] Dictionary<string, string>? Labels = null);
