using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Flotilla.Client.Models;
using Flotilla.Grains;
using Flotilla.Images;
using Flotilla.Registry;

namespace Flotilla.Host.Api;

/// <summary>
/// docker's registry endpoints: pull (POST /images/create?fromImage=), push (POST /images/{name}/push), login
/// (POST /auth). Credentials come as docker sends them, in the base64url JSON X-Registry-Auth header. Pull and push
/// answer with docker's JSON progress stream; an error before the first message is an HTTP status, after it an
/// errorDetail line.
/// </summary>
public static class RegistryEndpoints
{
    public static void Map(RouteGroupBuilder api) => api.MapPost("/auth", LoginAsync);

    /// <summary>POST /images/create?fromImage=NAME&amp;tag=TAG&amp;platform=OS/ARCH.</summary>
    public static Task PullAsync(HttpContext context, ImagePuller puller)
    {
        var request = context.Request;
        var name = Query.String(request, "fromImage")!;
        var tag = Query.String(request, "tag");
        // docker sends the tag apart, or a digest as the tag ("fromImage=busybox&tag=sha256:…").
        var reference = ImageReference.Parse(tag is null ? name : tag.StartsWith("sha256:", StringComparison.Ordinal) ? $"{name}@{tag}" : $"{name}:{tag}");
        var platform = Platforms.Parse(Query.String(request, "platform"));
        var credentials = Credentials(request);
        return StreamAsync(context, progress => puller.PullAsync(reference, platform, credentials, progress, context.RequestAborted));
    }

    /// <summary>POST /images/{name}/push?tag=TAG.</summary>
    public static Task PushAsync(HttpContext context, string name, ImagePusher pusher)
    {
        var tag = Query.String(context.Request, "tag");
        var reference = ImageReference.Parse(tag is null ? name : $"{name}:{tag}");
        var credentials = Credentials(context.Request);
        return StreamAsync(context, progress => pusher.PushAsync(reference, credentials, progress, context.RequestAborted));
    }

    /// <summary>POST /auth: checks the credentials against the registry (docker login).</summary>
    private static async Task<IResult> LoginAsync(HttpRequest request, RegistryTransport transport)
    {
        var auth = await JsonSerializer.DeserializeAsync(request.Body, FlotillaJsonContext.Default.AuthConfig, request.HttpContext.RequestAborted)
                   ?? throw FlotillaException.Invalid("the request body must be the credentials as JSON");
        var domain = RegistryDomain(auth.ServerAddress);
        await transport.Open(domain, ToCredentials(auth), []).CheckLoginAsync(request.HttpContext.RequestAborted);
        return Results.Json(new AuthResponse { Status = "Login Succeeded" }, FlotillaJsonContext.Default.AuthResponse);
    }

    /// <summary>docker's server address forms: "https://index.docker.io/v1/", "registry:5000", "https://registry:5000".</summary>
    public static string RegistryDomain(string? serverAddress)
    {
        var address = (serverAddress ?? "").Trim();
        if (address.Length == 0 || address.Contains("index.docker.io", StringComparison.Ordinal) || address == RegistryTransport.DockerHubDomain)
        {
            return RegistryTransport.DockerHubDomain;
        }

        if (address.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(address, UriKind.Absolute, out var uri))
        {
            return uri.Authority;
        }

        return address.Split('/')[0];
    }

    private static RegistryCredentials? Credentials(HttpRequest request)
    {
        var header = request.Headers["X-Registry-Auth"].ToString();
        if (header.Length == 0)
        {
            return null;
        }

        AuthConfig? auth;
        try
        {
            var base64 = header.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            auth = JsonSerializer.Deserialize(Convert.FromBase64String(base64), FlotillaJsonContext.Default.AuthConfig);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw FlotillaException.Invalid($"the X-Registry-Auth header is not base64url-encoded JSON credentials: {e.Message}");
        }

        return auth is null ? null : ToCredentials(auth);
    }

    private static RegistryCredentials ToCredentials(AuthConfig auth)
    {
        var (user, password) = (auth.Username, auth.Password);
        if (user is null && auth.Auth is { Length: > 0 } encoded)
        {
            // "auth": base64("user:password"), as config.json keeps it.
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            var colon = pair.IndexOf(':');
            (user, password) = colon < 0 ? (pair, "") : (pair[..colon], pair[(colon + 1)..]);
        }

        return new RegistryCredentials(user, password, auth.IdentityToken, auth.RegistryToken);
    }

    /// <summary>
    /// Runs a transfer, writing its progress as JSON lines in order (layers report from several threads). Fails
    /// with an HTTP status while nothing has been written, with an errorDetail line afterwards.
    /// </summary>
    private static async Task StreamAsync(HttpContext context, Func<IProgress<TransferProgress>, Task> transfer)
    {
        var channel = Channel.CreateUnbounded<TransferProgress>(new UnboundedChannelOptions { SingleReader = true });
        var progress = new ChannelProgress(channel.Writer);
        var work = Task.Run(async () =>
        {
            try
            {
                await transfer(progress);
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        });

        var wrote = false;
        await foreach (var item in channel.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (!wrote)
            {
                context.Response.ContentType = "application/json";
                wrote = true;
            }

            await WriteAsync(context, Message(item));
        }

        try
        {
            await work;
        }
        catch (Exception e) when (wrote && ApiErrors.Classify(e) is { } answer)
        {
            await WriteAsync(context, new JsonMessage { Error = answer.Message, ErrorDetail = new JsonError { Message = answer.Message } });
        }
    }

    private static async Task WriteAsync(HttpContext context, JsonMessage message)
    {
        try
        {
            await context.Response.WriteAsync(JsonSerializer.Serialize(message, FlotillaJsonContext.Default.JsonMessage) + "\n");
            await context.Response.Body.FlushAsync();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The client went away; the transfer itself sees RequestAborted.
        }
    }

    private static JsonMessage Message(TransferProgress p) => new()
    {
        Id = p.Id,
        Status = p.Status,
        ProgressDetail = p.Current is null ? (p.Id is null ? null : new ProgressDetail()) : new ProgressDetail { Current = p.Current, Total = p.Total },
        Progress = p.Current is { } current && p.Total is > 0 and var total ? Bar(current, total) : null,
    };

    /// <summary>docker's progress string: "[=====>     ]  1.2MB/3.4MB".</summary>
    private static string Bar(long current, long total)
    {
        const int width = 50;
        var filled = (int)Math.Clamp(current * width / total, 0, width);
        var bar = new string('=', filled) + (filled < width ? ">" + new string(' ', width - filled - 1) : "");
        return $"[{bar}] {Size(current)}/{Size(total)}";
    }

    private static string Size(long bytes) => bytes switch
    {
        >= 1_000_000_000 => $"{bytes / 1e9:0.##}GB",
        >= 1_000_000 => $"{bytes / 1e6:0.##}MB",
        >= 1_000 => $"{bytes / 1e3:0.##}kB",
        _ => $"{bytes}B",
    };

    private sealed class ChannelProgress(ChannelWriter<TransferProgress> writer) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => writer.TryWrite(value);
    }
}
