namespace Flotilla.Grains.Services;

/// <summary>A port a service publishes (docker's EndpointSpec.Ports entry).</summary>
/// <param name="PublishedPort">The port opened on the swarm's nodes.</param>
/// <param name="Mode">"ingress": every node answers it (routing mesh); "host": only the nodes running a task.</param>
[GenerateSerializer, Immutable]
public sealed record PortConfig(
    [property: Id(0)] string Protocol,
    [property: Id(1)] int TargetPort,
    [property: Id(2)] int PublishedPort,
    [property: Id(3)] string Mode = PortConfig.Ingress)
{
    public const string Ingress = "ingress";
    public const string Host = "host";
}
