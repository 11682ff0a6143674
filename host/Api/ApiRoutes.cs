using System.Text.RegularExpressions;

namespace Flotilla.Host.Api;

/// <summary>The HTTP API, under "/" and under docker's versioned prefix "/v1.NN".</summary>
public static partial class ApiRoutes
{
    [GeneratedRegex("^/v1\\.\\d+(?=/)")]
    private static partial Regex VersionPrefix();

    public static void MapFlotillaApi(this WebApplication app)
    {
        app.Use(SwarmEndpoints.OnlyAdmissionOnSwarmPortAsync);
        app.Use(SystemEndpoints.AddHeadersAsync);
        app.Use(ApiErrors.HandleAsync);
        app.Use((context, next) =>
        {
            // Every API version we accept has the same routes: drop the prefix before routing.
            var path = context.Request.Path.Value ?? "";
            if (VersionPrefix().Match(path) is { Success: true } m)
            {
                context.Request.Path = path[m.Length..];
            }

            return next(context);
        });
        app.UseRouting();
        var api = app.MapGroup("");
        SystemEndpoints.Map(api);
        ContainerEndpoints.Map(api);
        ExecEndpoints.Map(api);
        ImageEndpoints.Map(api);
        RegistryEndpoints.Map(api);
        VolumeEndpoints.Map(api);
        NetworkEndpoints.Map(api);
        SwarmEndpoints.Map(api);
        SwarmObjectEndpoints.Map(api);
    }
}
