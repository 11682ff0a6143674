using System.Text.Json;
using Flotilla.Client.Models;
using Flotilla.Grains;
using Flotilla.Grains.Services;
using Flotilla.Grains.Swarm;
using Flotilla.Grains.Tasks;
using Flotilla.Host.Swarm;

namespace Flotilla.Host.Api;

/// <summary>/nodes, /services and /tasks: the swarm's objects, served by managers only.</summary>
public static class SwarmObjectEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/nodes", async (SwarmContext swarm) =>
        {
            await swarm.EnsureManagerAsync();
            var nodes = await Registry(swarm).ListAsync();
            return Results.Json(nodes.Select(SwarmViews.Node).ToList(), FlotillaJsonContext.Default.ListSwarmNode);
        });
        api.MapGet("/nodes/{id}", async (string id, SwarmContext swarm) =>
        {
            await swarm.EnsureManagerAsync();
            return Results.Json(SwarmViews.Node(await Registry(swarm).GetAsync(id)), FlotillaJsonContext.Default.SwarmNode);
        });
        api.MapPost("/nodes/{id}/update", async (string id, HttpRequest request, Flotilla.Client.Models.NodeSpec spec, SwarmContext swarm) =>
        {
            await swarm.EnsureManagerAsync();
            var node = await Registry(swarm).UpdateAsync(id, SwarmViews.NodeUpdate(spec, Query.Int(request, "version")));
            await swarm.Grains.GetGrain<Flotilla.Grains.Scheduling.ISchedulerGrain>("scheduler").NodeChangedAsync(node.Name);
            return Results.Ok();
        });
        api.MapDelete("/nodes/{id}", async (string id, HttpRequest request, SwarmContext swarm) =>
        {
            await swarm.EnsureManagerAsync();
            var node = await Registry(swarm).GetAsync(id);
            await Registry(swarm).RemoveAsync(id, Query.Bool(request, "force"));
            await swarm.Grains.GetGrain<Flotilla.Grains.Scheduling.ISchedulerGrain>("scheduler").NodeChangedAsync(node.Name);
            return Results.Ok();
        });

        api.MapPost("/services/create", async (Flotilla.Client.Models.ServiceSpec spec, SwarmContext swarm) =>
        {
            await swarm.EnsureManagerAsync();
            var id = SwarmIds.New();
            await swarm.Grains.GetGrain<IServiceGrain>(id).CreateAsync(SwarmViews.Spec(spec));
            return Results.Json(new ServiceCreateResponse { ID = id }, FlotillaJsonContext.Default.ServiceCreateResponse, statusCode: 201);
        });
        api.MapGet("/services", async (SwarmContext swarm) =>
        {
            await swarm.EnsureManagerAsync();
            var entries = await Catalog(swarm).ListAsync();
            var views = await Task.WhenAll(entries.Select(e => swarm.Grains.GetGrain<IServiceGrain>(e.Id).GetAsync()));
            return Results.Json(views.Where(v => v is not null).Select(v => SwarmViews.Service(v!)).ToList(), FlotillaJsonContext.Default.ListService);
        });
        api.MapGet("/services/{id}", async (string id, SwarmContext swarm) =>
        {
            await swarm.EnsureManagerAsync();
            return Results.Json(SwarmViews.Service(await ServiceViewAsync(swarm, id)), FlotillaJsonContext.Default.Service);
        });
        api.MapPost("/services/{id}/update", async (string id, HttpRequest request, Flotilla.Client.Models.ServiceSpec spec, SwarmContext swarm) =>
        {
            await swarm.EnsureManagerAsync();
            var entry = await Catalog(swarm).ResolveAsync(id);
            var version = Query.Int(request, "version") ?? throw FlotillaException.Invalid("Query parameter version is required: the service's Version.Index from inspect.");
            var grain = swarm.Grains.GetGrain<IServiceGrain>(entry.Id);
            if (Query.String(request, "rollback") == "previous")
            {
                await grain.RollbackAsync(version);
            }
            else
            {
                await grain.UpdateAsync(SwarmViews.Spec(spec), version);
            }

            return Results.Json(new ServiceUpdateResponse(), FlotillaJsonContext.Default.ServiceUpdateResponse);
        });
        api.MapGet("/services/{id}/logs", ServiceLogsAsync);
        api.MapDelete("/services/{id}", async (string id, SwarmContext swarm) =>
        {
            await swarm.EnsureManagerAsync();
            var entry = await Catalog(swarm).ResolveAsync(id);
            await swarm.Grains.GetGrain<IServiceGrain>(entry.Id).RemoveAsync();
            return Results.Ok();
        });

        api.MapGet("/tasks", async (HttpRequest request, SwarmContext swarm) =>
        {
            await swarm.EnsureManagerAsync();
            var filters = Query.Filters(request);
            var services = await Catalog(swarm).ListAsync();
            if (filters.TryGetValue("service", out var wanted))
            {
                services = [.. services.Where(s => wanted.Any(w => w == s.Name || s.Id.StartsWith(w, StringComparison.Ordinal)))];
            }

            var tasks = (await Task.WhenAll(services.Select(s => swarm.Grains.GetGrain<IServiceGrain>(s.Id).ListTasksAsync()))).SelectMany(t => t);
            if (filters.TryGetValue("desired-state", out var desired))
            {
                tasks = tasks.Where(t => desired.Contains(t.DesiredState.Wire()));
            }

            var nodeIds = await NodeIdsAsync(swarm);
            if (filters.TryGetValue("node", out var onNodes))
            {
                tasks = tasks.Where(t => t.Node is not null && (onNodes.Contains(t.Node) || onNodes.Contains(nodeIds(t.Node))));
            }

            return Results.Json(tasks.Select(t => SwarmViews.Task(t, nodeIds)).ToList(), FlotillaJsonContext.Default.ListSwarmTask);
        });
        api.MapGet("/tasks/{id}", async (string id, SwarmContext swarm) =>
        {
            await swarm.EnsureManagerAsync();
            var task = await swarm.Grains.GetGrain<ITaskGrain>(id).GetAsync() ?? throw FlotillaException.NotFound($"task {id} not found");
            return Results.Json(SwarmViews.Task(task, await NodeIdsAsync(swarm)), FlotillaJsonContext.Default.SwarmTask);
        });
    }

    /// <summary>
    /// The recorded output of the service's tasks that still have a container, oldest first, each line prefixed with
    /// "TASK.ID@NODE    | " as docker does. A node that is down is skipped: its tasks run elsewhere by now.
    /// </summary>
    private static async Task ServiceLogsAsync(HttpContext context, string id, SwarmContext swarm)
    {
        await swarm.EnsureManagerAsync();
        var request = context.Request;
        var wantStdout = Query.Bool(request, "stdout");
        var wantStderr = Query.Bool(request, "stderr");
        if (!wantStdout && !wantStderr)
        {
            throw FlotillaException.Invalid("Bad parameters: you must choose at least one stream (stdout=1 and/or stderr=1).");
        }

        var tail = Query.String(request, "tail") is { } t && t != "all"
            ? int.TryParse(t, out var n) && n >= 0 ? n : throw FlotillaException.Invalid($"tail: '{t}' is not a number of lines (or \"all\").")
            : (int?)null;
        var timestamps = Query.Bool(request, "timestamps");
        var entry = await Catalog(swarm).ResolveAsync(id);
        var tasks = (await swarm.Grains.GetGrain<IServiceGrain>(entry.Id).ListTasksAsync())
            .Where(task => task.ContainerId is not null && task.Node is not null && !task.State.IsFinal())
            .ToList();
        var lines = new List<(string Prefix, Flotilla.Grains.Containers.LogLine Line)>();
        foreach (var task in tasks)
        {
            try
            {
                var container = swarm.Grains.GetGrain<Flotilla.Grains.Containers.IContainerGrain>(
                    Flotilla.Grains.Placement.NodeScopedKey.Format(task.Node!, task.ContainerId!));
                var prefix = $"{task.Name}.{task.Id}@{task.Node}    | ";
                lines.AddRange((await container.ReadLogsAsync(tail)).Select(line => (prefix, line)));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Gone since the list was taken, or its node is down.
            }
        }

        var ct = context.RequestAborted;
        context.Response.ContentType = "application/vnd.docker.multiplexed-stream";
        await context.Response.StartAsync(ct);
        foreach (var (prefix, line) in lines.OrderBy(l => l.Line.Time))
        {
            if (line.Stderr ? !wantStderr : !wantStdout)
            {
                continue;
            }

            var text = (timestamps ? ContainerView.Rfc3339(line.Time) + " " : "") + prefix;
            var data = System.Text.Encoding.UTF8.GetBytes(text).Concat(line.Data).ToArray();
            await MultiplexedStream.WriteFrameAsync(context.Response.Body, line.Stderr ? Flotilla.Plugins.StdStream.Stderr : Flotilla.Plugins.StdStream.Stdout, data, ct);
        }
    }

    private static async Task<ServiceView> ServiceViewAsync(SwarmContext swarm, string idOrName)
    {
        var entry = await Catalog(swarm).ResolveAsync(idOrName);
        return await swarm.Grains.GetGrain<IServiceGrain>(entry.Id).GetAsync() ?? throw FlotillaException.NotFound($"service {idOrName} not found");
    }

    private static async Task<Func<string?, string>> NodeIdsAsync(SwarmContext swarm)
    {
        var ids = (await Registry(swarm).ListAsync()).ToDictionary(n => n.Name, n => n.Record.Id);
        return name => name is not null && ids.TryGetValue(name, out var id) ? id : "";
    }

    private static INodeRegistryGrain Registry(SwarmContext swarm) => swarm.Grains.GetGrain<INodeRegistryGrain>("nodes");

    private static IServiceCatalogGrain Catalog(SwarmContext swarm) => swarm.Grains.GetGrain<IServiceCatalogGrain>("services");
}
