using System.Net.Http.Json;
using Flotilla.Client.Models;
using Flotilla.Grains;
using Flotilla.Grains.Local;
using Flotilla.Grains.Swarm;
using Flotilla.Host.Swarm;

namespace Flotilla.Host.Api;

/// <summary>/swarm/…: init, join (through a manager's swarm port), leave, tokens.</summary>
public static class SwarmEndpoints
{
    public const string AdmitPath = "/swarm/admit";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/swarm/init", InitAsync);
        api.MapPost("/swarm/join", JoinAsync);
        api.MapPost("/swarm/leave", LeaveAsync);
        api.MapGet("/swarm", InspectAsync);
        api.MapPost("/swarm/update", UpdateAsync);
        api.MapPost(AdmitPath, AdmitAsync);
    }

    /// <summary>The swarm port serves other nodes' admission and nothing else: the full API stays on the root-only socket.</summary>
    public static Task OnlyAdmissionOnSwarmPortAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Connection.LocalPort != 0 && context.Request.Path != AdmitPath)
        {
            context.Response.StatusCode = 404;
            return Task.CompletedTask;
        }

        return next(context);
    }

    private static async Task<IResult> InitAsync(SwarmInitRequest body, SwarmContext swarm, DaemonOptions options, DaemonRestart restart, HttpResponse response)
    {
        EnsureNotInSwarm(swarm);
        var dataStore = body.DataStore ?? options.ClusterDatabase
            ?? throw FlotillaException.Invalid("A swarm keeps its state in PostgreSQL: give its connection string with `flotilla swarm init --datastore \"Host=…;Username=…;Password=…;Database=…\"`, or start flotillad with --cluster-db.");
        var address = AdvertiseAddress(body.AdvertiseAddr, options);
        await PrepareDatabaseAsync(dataStore);
        if (await ClusterSchema.HoldsASwarmAsync(dataStore, CancellationToken.None) is { } other)
        {
            throw FlotillaException.Conflict($"The cluster database already holds swarm {other}: a database serves one swarm. Join that swarm with `flotilla swarm join`, or give an empty database to start a new one.");
        }

        var clusterId = SwarmIds.New();
        new SwarmConfig(clusterId, dataStore, address, PendingInit: true).Save(options.DataRoot);
        restart.AfterResponse(response);
        return Results.Json(clusterId);
    }

    private static async Task<IResult> JoinAsync(SwarmJoinRequest body, SwarmContext swarm, DaemonOptions options, PluginCatalog plugins, DaemonRestart restart, HttpResponse response)
    {
        EnsureNotInSwarm(swarm);
        var manager = body.RemoteAddrs.FirstOrDefault()
            ?? throw FlotillaException.Invalid("Give the address of a manager to join: `flotilla swarm join --token TOKEN HOST:PORT`.");
        var address = AdvertiseAddress(body.AdvertiseAddr, options);
        var me = swarm.Describe(plugins.AvailableRuntimes.Select(r => r.Name), address);
        var request = new SwarmAdmitRequest
        {
            JoinToken = body.JoinToken,
            NodeName = me.Name,
            Address = me.Address,
            Cpus = me.Cpus,
            MemoryBytes = me.MemoryBytes,
            Runtimes = [.. me.Runtimes],
        };

        SwarmAdmitResponse admitted;
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) })
        {
            var target = manager.Contains(':') ? manager : $"{manager}:{options.SwarmPort}";
            HttpResponseMessage answer;
            try
            {
                answer = await http.PostAsJsonAsync($"http://{target}{AdmitPath}", request, FlotillaJsonContext.Default.SwarmAdmitRequest);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                throw FlotillaException.Unavailable($"Could not reach the manager at {target}: {e.Message}. Check the address and that its swarm port is open.");
            }

            if (!answer.IsSuccessStatusCode)
            {
                var error = await answer.Content.ReadFromJsonAsync(FlotillaJsonContext.Default.ErrorResponse);
                throw new FlotillaException(answer.StatusCode == System.Net.HttpStatusCode.Unauthorized ? ErrorKind.Unauthorized : ErrorKind.Failed,
                    $"The manager at {target} refused this node: {error?.Message}");
            }

            admitted = (await answer.Content.ReadFromJsonAsync(FlotillaJsonContext.Default.SwarmAdmitResponse))!;
        }

        await PrepareDatabaseAsync(admitted.DataStore);
        new SwarmConfig(admitted.ClusterID, admitted.DataStore, address).Save(options.DataRoot);
        restart.AfterResponse(response);
        return Results.Ok();
    }

    private static async Task<IResult> AdmitAsync(SwarmAdmitRequest body, SwarmContext swarm)
    {
        if (swarm.Config is not { } config)
        {
            throw FlotillaException.Unavailable("This node is not part of a swarm.");
        }

        var node = new Flotilla.Grains.Swarm.NodeDescription(body.NodeName, body.Address, body.Cpus, body.MemoryBytes, [.. body.Runtimes],
            HostedBy: string.IsNullOrEmpty(body.HostedBy) ? null : body.HostedBy);
        var role = await swarm.Grains.GetGrain<ISwarmGrain>("swarm").AdmitAsync(body.JoinToken, node);
        return Results.Json(new SwarmAdmitResponse { ClusterID = config.ClusterId, DataStore = config.DataStore, Role = role.ToString().ToLowerInvariant() },
            FlotillaJsonContext.Default.SwarmAdmitResponse);
    }

    private static async Task<IResult> LeaveAsync(HttpRequest request, SwarmContext swarm, DaemonOptions options, TaskAgent agent, DaemonRestart restart, HttpResponse response)
    {
        if (swarm.Config is null)
        {
            throw FlotillaException.Unavailable("This node is not part of a swarm.");
        }

        var registry = swarm.Grains.GetGrain<INodeRegistryGrain>("nodes");
        var self = await registry.GetAsync(swarm.NodeName);
        if (self.Record.Role == NodeRole.Manager && !Query.Bool(request, "force"))
        {
            throw FlotillaException.Unavailable("You are attempting to leave the swarm on a node that is participating as a manager. Removing this node leaves the remaining managers to run the swarm; if it is the last one, the swarm's services stop being managed. Use `--force` to ignore this message.");
        }

        await registry.LeaveAsync(swarm.NodeName);
        await swarm.Grains.GetGrain<Flotilla.Grains.Scheduling.ISchedulerGrain>("scheduler").NodeChangedAsync(swarm.NodeName);
        await agent.StopAllAsync();
        SwarmConfig.Delete(options.DataRoot);
        restart.AfterResponse(response);
        return Results.Ok();
    }

    private static async Task<IResult> InspectAsync(SwarmContext swarm)
    {
        await swarm.EnsureManagerAsync();
        var info = await swarm.Grains.GetGrain<ISwarmGrain>("swarm").GetAsync()
            ?? throw FlotillaException.Unavailable("The swarm is still being initialised; try again in a moment.");
        return Results.Json(SwarmViews.Swarm(info), FlotillaJsonContext.Default.SwarmInspect);
    }

    private static async Task<IResult> UpdateAsync(HttpRequest request, SwarmContext swarm)
    {
        await swarm.EnsureManagerAsync();
        var grain = swarm.Grains.GetGrain<ISwarmGrain>("swarm");
        if (Query.Bool(request, "rotateWorkerToken"))
        {
            await grain.RotateTokenAsync(NodeRole.Worker);
        }

        if (Query.Bool(request, "rotateManagerToken"))
        {
            await grain.RotateTokenAsync(NodeRole.Manager);
        }

        return Results.Ok();
    }

    private static void EnsureNotInSwarm(SwarmContext swarm)
    {
        if (swarm.Active)
        {
            throw FlotillaException.Unavailable("This node is already part of a swarm. Use \"flotilla swarm leave\" to leave this swarm and join another one.");
        }
    }

    private static string AdvertiseAddress(string? requested, DaemonOptions options)
    {
        var text = requested ?? options.AdvertiseAddress
            ?? throw FlotillaException.Invalid("Give the address other nodes reach this one at: --advertise-addr IP (or start flotillad with --advertise-addr).");
        var host = text.Contains(':') && !text.StartsWith('[') ? text[..text.LastIndexOf(':')] : text;
        return System.Net.IPAddress.TryParse(host, out var ip)
            ? ip.ToString()
            : throw FlotillaException.Invalid($"--advertise-addr: '{text}' is not an IP address.");
    }

    private static async Task PrepareDatabaseAsync(string dataStore)
    {
        try
        {
            await ClusterSchema.EnsureAsync(dataStore, CancellationToken.None);
        }
        catch (ClusterDatabaseException e)
        {
            throw FlotillaException.Unavailable(e.Message);
        }
    }
}
