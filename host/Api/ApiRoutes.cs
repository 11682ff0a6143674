namespace Flotilla.Host.Api;

/// <summary>The HTTP API, under "/" and under docker's versioned prefix "/v1.NN".</summary>
public static class ApiRoutes
{
    public static void MapFlotillaApi(this WebApplication app)
    {
        app.Use(SystemEndpoints.AddHeadersAsync);
        app.Use(ApiErrors.HandleAsync);
        foreach (var prefix in new[] { "", "/v{version:regex(^1\\.\\d+$)}" })
        {
            var api = app.MapGroup(prefix);
            SystemEndpoints.Map(api);
            ContainerEndpoints.Map(api);
            ExecEndpoints.Map(api);
            ImageEndpoints.Map(api);
            VolumeEndpoints.Map(api);
        }
    }
}
