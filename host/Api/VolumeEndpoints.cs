using Flotilla.Client.Models;
using Flotilla.Grains;
using Flotilla.Grains.Local;
using Flotilla.Plugins;

namespace Flotilla.Host.Api;

/// <summary>/volumes…: named volumes through the storage plugins; the node knows which containers use them.</summary>
public static class VolumeEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/volumes", ListAsync);
        api.MapPost("/volumes/create", CreateAsync);
        api.MapGet("/volumes/{name}", async (string name, PluginCatalog plugins) => Results.Json(View(await FindAsync(plugins, name))));
        api.MapDelete("/volumes/{name}", RemoveAsync);
    }

    private static async Task<IResult> ListAsync(PluginCatalog plugins)
    {
        var volumes = new List<Volume>();
        foreach (var driver in plugins.VolumeDrivers)
        {
            volumes.AddRange((await driver.ListAsync(CancellationToken.None)).Select(View));
        }

        return Results.Json(new VolumeListResponse { Volumes = [.. volumes.OrderBy(v => v.Name)], Warnings = [] });
    }

    private static async Task<IResult> CreateAsync(VolumeCreateRequest body, PluginCatalog plugins)
    {
        var driver = plugins.VolumeDriver(string.IsNullOrEmpty(body.Driver) ? MountResolver.DefaultVolumeDriver : body.Driver);
        var name = string.IsNullOrEmpty(body.Name) ? Containers.NewId() : body.Name;
        var volume = await driver.CreateAsync(name, body.DriverOpts ?? new Dictionary<string, string>(), body.Labels ?? new Dictionary<string, string>(), CancellationToken.None);
        return Results.Json(View(volume), statusCode: 201);
    }

    private static async Task<IResult> RemoveAsync(HttpRequest request, string name, PluginCatalog plugins, Containers containers)
    {
        var volume = await FindAsync(plugins, name);
        var users = (await containers.Node.ListContainersAsync()).Where(c => c.Volumes.Contains(volume.Name)).Select(c => c.Id).ToList();
        if (users.Count > 0)
        {
            throw FlotillaException.Conflict(
                $"remove {name}: volume is in use - [{string.Join(", ", users)}]. Remove those containers first (flotilla rm).");
        }

        await plugins.VolumeDriver(volume.Driver).RemoveAsync(volume.Name, CancellationToken.None);
        return Results.NoContent();
    }

    private static async Task<VolumeInfo> FindAsync(PluginCatalog plugins, string name)
    {
        foreach (var driver in plugins.VolumeDrivers)
        {
            if (await driver.GetAsync(name, CancellationToken.None) is { } volume)
            {
                return volume;
            }
        }

        throw FlotillaException.NotFound($"get {name}: no such volume");
    }

    private static Volume View(VolumeInfo v) => new()
    {
        Name = v.Name,
        Driver = v.Driver,
        Mountpoint = v.Mountpoint,
        CreatedAt = v.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ssK"),
        Labels = new Dictionary<string, string>(v.Labels),
        Options = new Dictionary<string, string>(v.Options),
        Scope = "local",
    };
}
