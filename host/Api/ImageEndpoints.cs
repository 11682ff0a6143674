using System.Text.Json;
using Flotilla.Client.Models;
using Flotilla.Grains;
using Flotilla.Images;

namespace Flotilla.Host.Api;

/// <summary>/images…: the node's image store.</summary>
public static class ImageEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/images/json", (ImageStore store) =>
            Results.Json(store.List().OrderByDescending(i => i.Created).Select(Summary).ToList()));
        api.MapGet("/images/{*name}", (string name, ImageStore store) =>
            name.EndsWith("/json", StringComparison.Ordinal) ? Results.Json(Inspect(store.Resolve(name[..^"/json".Length])))
            : name.EndsWith("/history", StringComparison.Ordinal) ? Results.Json(ImageHistory.Of(store, name[..^"/history".Length]))
            : Results.NotFound(new ErrorResponse { Message = $"page not found: /images/{name}" }));
        api.MapPost("/images/prune", ImageHistory.PruneAsync);
        api.MapDelete("/images/{*name}", RemoveAsync);
        api.MapPost("/images/create", ImportAsync);
        api.MapPost("/images/load", LoadAsync);
        api.MapPost("/images/{*name}", TagAsync);
    }

    private static async Task<IResult> RemoveAsync(HttpRequest request, string name, ImageStore store, Containers containers)
    {
        // A running user blocks removal; a stopped one only without force (the store decides).
        var users = (await containers.ListAsync())
            .OrderByDescending(c => c.Status == Flotilla.Grains.Containers.ContainerLifecycle.Running)
            .ToLookup(c => c.ImageId, c => new ImageUse(c.Id, c.Status == Flotilla.Grains.Containers.ContainerLifecycle.Running));
        var removed = await store.RemoveAsync(name, Query.Bool(request, "force"), id => users[id].FirstOrDefault(), request.HttpContext.RequestAborted);
        return Results.Json(removed.Select(r => new ImageDeleteResponseItem { Untagged = r.Untagged, Deleted = r.Deleted }).ToList());
    }

    /// <summary>docker import: POST /images/create?fromSrc=-&amp;repo=NAME&amp;tag=TAG with the tarball as the body.</summary>
    private static async Task ImportAsync(HttpContext context, ImageStore store, Flotilla.Registry.ImagePuller puller)
    {
        var request = context.Request;
        if (Query.String(request, "fromImage") is not null)
        {
            await RegistryEndpoints.PullAsync(context, puller);
            return;
        }

        if (Query.String(request, "fromSrc") != "-")
        {
            throw FlotillaException.Invalid("give fromImage=NAME to pull from a registry, or fromSrc=- with the tarball in the request body to import");
        }

        ImageReference? reference = null;
        if (Query.String(request, "repo") is { } repo)
        {
            var tag = Query.String(request, "tag");
            reference = ImageReference.Parse(tag is null ? repo : $"{repo}:{tag}");
        }

        AllowLargeBody(context);
        var changes = request.Query["changes"].Select(c => c!).ToList();
        var image = await store.ImportAsync(request.Body, reference, ImportChanges.Parse(changes, Query.String(request, "message")), context.RequestAborted);
        await WriteMessageAsync(context, new JsonMessage { Status = image.Id });
    }

    private static async Task LoadAsync(HttpContext context, ImageStore store)
    {
        AllowLargeBody(context);
        var images = await store.LoadAsync(context.Request.Body, context.RequestAborted);
        foreach (var image in images)
        {
            var names = image.RepoTags.Count > 0 ? image.RepoTags.Select(t => "Loaded image: " + t.Familiar) : ["Loaded image ID: " + image.Id];
            foreach (var line in names)
            {
                await WriteMessageAsync(context, new JsonMessage { Stream = line + "\n" });
            }
        }
    }

    /// <summary>POST /images/{name}/tag?repo=&amp;tag=, and /images/{name}/push.</summary>
    private static async Task<IResult> TagAsync(HttpRequest request, string name, ImageStore store, Flotilla.Registry.ImagePusher pusher)
    {
        if (name.EndsWith("/push", StringComparison.Ordinal))
        {
            await RegistryEndpoints.PushAsync(request.HttpContext, name[..^"/push".Length], pusher);
            return Results.Empty;
        }

        if (!name.EndsWith("/tag", StringComparison.Ordinal))
        {
            return Results.NotFound(new ErrorResponse { Message = $"page not found: /images/{name}" });
        }

        var repo = Query.String(request, "repo") ?? throw FlotillaException.Invalid("repo is required");
        var tag = Query.String(request, "tag");
        await store.TagAsync(name[..^"/tag".Length], tag is null ? repo : $"{repo}:{tag}", request.HttpContext.RequestAborted);
        return Results.Created();
    }

    /// <summary>Image tarballs are as large as images: Kestrel's 30 MB default body limit would cut them off.</summary>
    private static void AllowLargeBody(HttpContext context)
    {
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }
    }

    private static async Task WriteMessageAsync(HttpContext context, JsonMessage message)
    {
        if (!context.Response.HasStarted)
        {
            context.Response.ContentType = "application/json";
        }

        await context.Response.WriteAsync(JsonSerializer.Serialize(message, FlotillaJsonContext.Default.JsonMessage) + "\n");
        await context.Response.Body.FlushAsync();
    }

    private static ImageSummary Summary(ImageRecord i) => new()
    {
        Id = i.Id,
        RepoTags = [.. i.RepoTags.Select(t => t.Familiar)],
        RepoDigests = [.. i.RepoDigests],
        Created = i.Created.ToUnixTimeSeconds(),
        Size = i.Size,
        Labels = i.Config.Config.Labels,
    };

    private static ImageInspect Inspect(ImageRecord i) => new()
    {
        Id = i.Id,
        RepoTags = [.. i.RepoTags.Select(t => t.Familiar)],
        RepoDigests = [.. i.RepoDigests],
        Created = ContainerView.Rfc3339(i.Created),
        Size = i.Size,
        Architecture = i.Config.Architecture,
        Os = i.Config.Os,
        Config = new ImageConfig
        {
            User = i.Config.Config.User,
            Env = i.Config.Config.Env,
            Cmd = i.Config.Config.Cmd,
            Entrypoint = i.Config.Config.Entrypoint,
            WorkingDir = i.Config.Config.WorkingDir,
            Labels = i.Config.Config.Labels,
        },
        RootFS = new RootFS { Layers = [.. i.DiffIds] },
    };
}
