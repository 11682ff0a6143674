using Flotilla.Grains.Networks;
using Flotilla.Plugins;

namespace Flotilla.Grains.Containers;

/// <summary>How a container's network is wired through the node's network driver (plugins/network).</summary>
public static class ContainerNetworking
{
    public const string DefaultNetwork = "bridge";

    /// <summary>docker's NetworkMode, with "default" and unset meaning the default bridge network.</summary>
    public static string Mode(string? networkMode) => networkMode is null or "" or "default" ? DefaultNetwork : networkMode;

    public static bool HasOwnNamespace(string mode) => mode is not ("none" or "host");

    /// <summary>Creates the namespace, connects it to <paramref name="mode"/>'s network (or to the overlay networks
    /// of <paramref name="attachments"/>, with the swarm's addresses) and publishes the ports.</summary>
    public static async Task<(ContainerNetwork Network, ContainerEndpoint[] Endpoints)> WireAsync(
        INetworkDriver? driver, string id, string name, string mode, PublishedPort[] ports, string[] aliases, NetworkAttachment[] attachments)
    {
        if (aliases.Length > 0 && attachments.Length == 0 && mode is DefaultNetwork or "none" or "host")
        {
            throw FlotillaException.Invalid($"--network-alias needs a user-defined network (network create), not --network {mode}: only those have DNS");
        }

        if (!HasOwnNamespace(mode))
        {
            return ports.Length > 0
                ? throw FlotillaException.Invalid($"ports cannot be published with --network {mode} (-p needs a network such as {DefaultNetwork})")
                : (mode == "host" ? new ContainerNetwork(Host: true) : ContainerNetwork.None, []);
        }

        if (driver is null)
        {
            throw FlotillaException.Invalid("this node has no network plugin: run containers with --network none or host, or install plugins/network.");
        }

        var path = await driver.CreateNamespaceAsync(id, CancellationToken.None);
        var endpoints = new List<EndpointInfo>();
        if (attachments.Length == 0)
        {
            endpoints.Add(await driver.ConnectAsync(mode, id, name, aliases, null, CancellationToken.None));
        }

        foreach (var attachment in attachments)
        {
            endpoints.Add(await driver.ConnectAsync(attachment.NetworkId, id, name, attachment.Aliases, attachment.Address.Split('/')[0], CancellationToken.None));
        }

        var endpoint = endpoints[0];
        if (ports.Length > 0)
        {
            await driver.PublishAsync(id, [.. ports.Select(p => new PortMapping(p.HostPort, p.ContainerPort, p.Protocol))], CancellationToken.None);
        }

        return (new ContainerNetwork(path, Nameservers: endpoint.Nameserver is { } dns ? [dns] : HostResolvers(), Address: endpoint.Address.Split('/')[0]),
            [.. endpoints.Select(ToEndpoint)]);
    }

    public static ContainerEndpoint ToEndpoint(EndpointInfo e) => new(e.NetworkId, e.NetworkName, e.Address, e.Gateway, e.MacAddress);

    /// <summary>The host's nameservers, without loopback ones (unreachable from a container's namespace), as docker does.</summary>
    private static string[] HostResolvers() =>
        File.Exists("/etc/resolv.conf")
            ? [.. File.ReadLines("/etc/resolv.conf")
                .Select(l => l.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f.Length >= 2 && f[0] == "nameserver" && !f[1].StartsWith("127.", StringComparison.Ordinal) && f[1] != "::1")
                .Select(f => f[1])]
            : [];
}
