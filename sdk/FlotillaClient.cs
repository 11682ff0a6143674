namespace Flotilla.Client;

/// <summary>
/// The .NET SDK for a Flotilla node: typed methods over its HTTP API (Docker Engine API shaped) on a unix socket.
/// <code>
/// using var client = new FlotillaClient();
/// var code = await client.Containers.RunAsync(new() { Image = "busybox", Cmd = ["echo", "hello"] }, Console.OpenStandardOutput(), Console.OpenStandardError());
/// </code>
/// </summary>
public sealed class FlotillaClient : IDisposable
{
    private readonly Transport _transport;

    public FlotillaClient(FlotillaClientOptions? options = null)
    {
        _transport = new Transport(options ?? new FlotillaClientOptions());
        System = new SystemClient(_transport);
        Containers = new ContainersClient(_transport);
        Images = new ImagesClient(_transport);
        Volumes = new VolumesClient(_transport);
        Networks = new NetworksClient(_transport);
        Swarm = new SwarmClient(_transport);
        Nodes = new NodesClient(_transport);
        Services = new ServicesClient(_transport);
        Stacks = new StacksClient(Services, Networks);
    }

    public SystemClient System { get; }

    public ContainersClient Containers { get; }

    public ImagesClient Images { get; }

    public VolumesClient Volumes { get; }

    public NetworksClient Networks { get; }

    public SwarmClient Swarm { get; }

    public NodesClient Nodes { get; }

    public ServicesClient Services { get; }

    public StacksClient Stacks { get; }

    public FlotillaClientOptions Options => _transport.Options;

    public void Dispose() => _transport.Dispose();
}
