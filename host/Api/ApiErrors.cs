using Flotilla.Grains;
using Flotilla.Plugins;

namespace Flotilla.Host.Api;

/// <summary>Turns errors into docker's error answers: a status code and {"message": "..."}.</summary>
public static class ApiErrors
{
    public static async Task HandleAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted && Classify(e) is { } answer)
        {
            context.Response.StatusCode = answer.Status;
            await context.Response.WriteAsJsonAsync(new Flotilla.Client.Models.ErrorResponse { Message = answer.Message });
        }
    }

    public static (int Status, string Message)? Classify(Exception e) => e switch
    {
        FlotillaException f => (Status(f.Kind), f.Message),
        PluginException p => (Status(p.ToFlotilla().Kind), p.Message),
        Flotilla.Images.ImageStoreException i => (i.Kind switch
        {
            Flotilla.Images.ImageStoreErrorKind.NotFound => 404,
            Flotilla.Images.ImageStoreErrorKind.Conflict => 409,
            Flotilla.Images.ImageStoreErrorKind.InvalidInput => 400,
            _ => 500,
        }, i.Message),
        Flotilla.Registry.RegistryException { Unauthorized: true } r => (401, r.Message),
        Flotilla.Registry.RegistryException r => (r.Kind switch
        {
            Flotilla.Images.ImageStoreErrorKind.NotFound => 404,
            Flotilla.Images.ImageStoreErrorKind.InvalidInput => 400,
            _ => 502, // the registry failed, not this daemon
        }, r.Message),
        BadHttpRequestException b => (400, b.Message),
        System.Text.Json.JsonException j => (400, $"The request body is not valid JSON: {j.Message}"),
        OperationCanceledException => null,
        _ when Flotilla.Host.Swarm.DatabaseErrors.Find(e) is { } db => (503, Flotilla.Host.Swarm.DatabaseErrors.Unavailable(db).Message),
        TimeoutException => (503, $"The node did not answer in time ({e.Message}). In a swarm, its database or another node may be unreachable; running containers keep running: retry in a moment."),
        _ => (500, e.Message),
    };

    public static int Status(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidInput => 400,
        ErrorKind.NotFound => 404,
        ErrorKind.Conflict => 409,
        ErrorKind.NotSupported => 501,
        ErrorKind.Unauthorized => 401,
        ErrorKind.Unavailable => 503,
        _ => 500,
    };
}
