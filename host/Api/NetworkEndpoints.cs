using Flotilla.Client.Models;
using Flotilla.Grains;
using Flotilla.Grains.Containers;
using Flotilla.Grains.Local;
using Flotilla.Grains.Networks;
using Flotilla.Host.Swarm;
using Flotilla.Plugins;

namespace Flotilla.Host.Api;

/// <summary>/networks…: docker's network endpoints over the node's network driver.</summary>
public static class NetworkEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/networks", async (PluginCatalog plugins, SwarmContext swarm) =>
            Results.Json((await LocalNetworksAsync(plugins)).Select(View)
                .Concat((await OverlaysAsync(swarm)).Select(View))
                .OrderBy(n => n.Name, StringComparer.Ordinal).ToList()));
        api.MapPost("/networks/create", CreateAsync);
        api.MapGet("/networks/{id}", async (string id, PluginCatalog plugins, SwarmContext swarm) =>
            await FindOverlayAsync(plugins, swarm, id) is { } overlay ? Results.Json(View(overlay)) : Results.Json(View(await FindAsync(plugins, id))));
        api.MapDelete("/networks/{id}", async (string id, PluginCatalog plugins, SwarmContext swarm) =>
        {
            if (await FindOverlayAsync(plugins, swarm, id) is { } overlay)
            {
                await swarm.EnsureManagerAsync();
                await Registry(swarm).RemoveAsync(overlay.Id);
            }
            else
            {
                await Call(plugins.NetworkDriver.RemoveNetworkAsync((await FindAsync(plugins, id)).Id, CancellationToken.None));
            }

            return Results.NoContent();
        });
        api.MapPost("/networks/{id}/connect", async (string id, NetworkConnectRequest body, PluginCatalog plugins, Containers containers, SwarmContext swarm) =>
        {
            var network = (await FindOverlayAsync(plugins, swarm, id))?.Id ?? (await FindAsync(plugins, id)).Id;
            await (await containers.ResolveAsync(body.Container)).Grain.ConnectAsync(network, [.. body.EndpointConfig?.Aliases ?? []]);
            return Results.Ok();
        });
        api.MapPost("/networks/{id}/disconnect", async (string id, NetworkConnectRequest body, PluginCatalog plugins, Containers containers) =>
        {
            var network = await FindAsync(plugins, id);
            await (await containers.ResolveAsync(body.Container)).Grain.DisconnectAsync(network.Id);
            return Results.Ok();
        });
    }

    private static INetworkRegistryGrain Registry(SwarmContext swarm) => swarm.Grains.GetGrain<INetworkRegistryGrain>("networks");

    /// <summary>This node's own networks; its copies of the swarm's overlay networks are listed from the swarm.</summary>
    private static async Task<IEnumerable<NetworkInfo>> LocalNetworksAsync(PluginCatalog plugins) =>
        (await plugins.NetworkDriver.ListNetworksAsync(CancellationToken.None)).Where(n => n.Driver != "overlay");

    private static async Task<OverlayNetworkRecord[]> OverlaysAsync(SwarmContext swarm) => swarm.Active ? await Registry(swarm).ListAsync() : [];

    /// <summary>The swarm's overlay network of that name or id, unless a local network answers to it.</summary>
    private static async Task<OverlayNetworkRecord?> FindOverlayAsync(PluginCatalog plugins, SwarmContext swarm, string id) =>
        swarm.Active && !(await LocalNetworksAsync(plugins)).Any(n => n.Name == id || n.Id == id) ? await Registry(swarm).FindAsync(id) : null;

    /// <summary>HostConfig.PortBindings ("80/tcp" → [{HostPort: "8080"}]) as the grain's published ports.</summary>
    public static PublishedPort[] Ports(Dictionary<string, List<PortBinding>>? bindings)
    {
        var ports = new List<PublishedPort>();
        foreach (var (key, hosts) in bindings ?? [])
        {
            var parts = key.Split('/');
            var protocol = parts.Length > 1 ? parts[1] : "tcp";
            if (parts.Length > 2 || !int.TryParse(parts[0], out var containerPort) || protocol is not ("tcp" or "udp"))
            {
                throw FlotillaException.Invalid($"invalid port '{key}' in PortBindings: give PORT or PORT/tcp or PORT/udp");
            }

            foreach (var host in hosts ?? [])
            {
                if (!int.TryParse(host.HostPort, out var hostPort))
                {
                    throw FlotillaException.Invalid($"invalid host port '{host.HostPort}' for {key}: give a port number (-p HOSTPORT:{parts[0]})");
                }

                if (host.HostIp is not ("" or "0.0.0.0"))
                {
                    throw FlotillaException.Invalid($"publishing on one host address ({host.HostIp}) is not supported yet: publish on all of them (-p HOSTPORT:{parts[0]})");
                }

                ports.Add(new PublishedPort(hostPort, containerPort, protocol));
            }
        }

        return [.. ports];
    }

    /// <summary>NetworkingConfig's aliases for the network the container is created on (the only one it joins then).</summary>
    public static string[] Aliases(NetworkingConfig? config, string? networkMode)
    {
        var network = ContainerNetworking.Mode(networkMode);
        var aliases = new List<string>();
        foreach (var (name, settings) in config?.EndpointsConfig ?? [])
        {
            if (settings.Aliases is not { Count: > 0 })
            {
                continue;
            }

            if (name != network)
            {
                throw FlotillaException.Invalid($"aliases given for network {name}, but the container joins {network}: give them for its network (--network {name} --network-alias …)");
            }

            aliases.AddRange(settings.Aliases);
        }

        return [.. aliases];
    }

    private static async Task<IResult> CreateAsync(NetworkCreateRequest body, PluginCatalog plugins, SwarmContext swarm)
    {
        var driver = plugins.NetworkDriver;
        var overlay = body.Driver == "overlay";
        if (body.Driver is { Length: > 0 } name && name != driver.Name && !overlay)
        {
            throw FlotillaException.Invalid($"unknown network driver {name}: use {driver.Name} (this node's own) or overlay (the swarm's)");
        }

        if (overlay)
        {
            await swarm.EnsureManagerAsync();
        }

        var config = body.IPAM?.Config is { Count: > 0 } c ? c[0] : null;
        if (body.IPAM?.Config is { Count: > 1 })
        {
            throw FlotillaException.Invalid("only one IPAM config (one IPv4 subnet) per network is supported");
        }

        if (config is { Subnet: null or "" } && config.Gateway is { Length: > 0 })
        {
            throw FlotillaException.Invalid("a --gateway needs a --subnet");
        }

        if (overlay)
        {
            var record = await Registry(swarm).CreateAsync(
                new OverlayNetworkSpec(body.Name, NullIfEmpty(config?.Subnet), NullIfEmpty(config?.Gateway), body.Attachable, body.Labels));
            return Results.Json(new NetworkCreateResponse { Id = record.Id }, statusCode: 201);
        }

        if ((await OverlaysAsync(swarm)).Any(n => n.Name == body.Name))
        {
            throw FlotillaException.Conflict($"network with name {body.Name} already exists (the swarm's overlay network)");
        }

        var network = await Call(driver.CreateNetworkAsync(
            new NetworkRequest(body.Name, NullIfEmpty(config?.Subnet), NullIfEmpty(config?.Gateway), body.Labels), CancellationToken.None));
        return Results.Json(new NetworkCreateResponse { Id = network.Id }, statusCode: 201);
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static async Task<NetworkInfo> FindAsync(PluginCatalog plugins, string id)
    {
        var networks = await plugins.NetworkDriver.ListNetworksAsync(CancellationToken.None);
        return networks.FirstOrDefault(n => n.Name == id || n.Id == id)
               ?? (id.Length >= 6 && networks.Where(n => n.Id.StartsWith(id, StringComparison.Ordinal)).ToList() is [var single] ? single : null)
               ?? throw FlotillaException.NotFound($"network {id} not found");
    }

    private static async Task<T> Call<T>(Task<T> task)
    {
        try
        {
            return await task;
        }
        catch (PluginException e)
        {
            throw e.ToFlotilla();
        }
    }

    private static async Task Call(Task task)
    {
        try
        {
            await task;
        }
        catch (PluginException e)
        {
            throw e.ToFlotilla();
        }
    }

    private static NetworkResource View(OverlayNetworkRecord n) => new()
    {
        Name = n.Name,
        Id = n.Id,
        Created = n.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffK"),
        Scope = "swarm",
        Driver = "overlay",
        Attachable = n.Attachable,
        IPAM = new Ipam { Config = [new IpamConfig { Subnet = n.Subnet, Gateway = n.Gateway }] },
        Labels = new Dictionary<string, string>(n.Labels),
        Options = new Dictionary<string, string> { ["com.docker.network.driver.overlay.vxlanid_list"] = n.Vni.ToString(System.Globalization.CultureInfo.InvariantCulture) },
    };

    private static NetworkResource View(NetworkInfo n) => new()
    {
        Name = n.Name,
        Id = n.Id,
        Created = n.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffK"),
        Driver = n.Driver,
        IPAM = new Ipam { Config = [new IpamConfig { Subnet = n.Subnet, Gateway = n.Gateway }] },
        Labels = new Dictionary<string, string>(n.Labels),
        Containers = n.Endpoints.ToDictionary(e => e.ContainerId, e => new NetworkContainer
        {
            Name = e.ContainerName, EndpointID = e.ContainerId + "-" + e.Interface, MacAddress = e.MacAddress, IPv4Address = e.Address,
        }),
    };
}
