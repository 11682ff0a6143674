using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flotilla.Registry.Tests;

/// <summary>
/// A small registry on loopback (Kestrel) that serves what the test gives it — and lies or hangs when told to —
/// with an optional token service for the Bearer flow. It counts the blob GETs it answers.
/// </summary>
public sealed class FakeRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;

    private int _disposed;

    private FakeRegistry(WebApplication app) => _app = app;

    /// <summary>"repo:tag" or "repo@digest" → (media type, bytes).</summary>
    public ConcurrentDictionary<string, (string MediaType, byte[] Bytes)> Manifests { get; } = new();

    public ConcurrentDictionary<string, byte[]> Blobs { get; } = new();

    public ConcurrentDictionary<string, int> BlobGets { get; } = new();

    /// <summary>The Range header of each blob GET, "" when there was none, in order.</summary>
    public ConcurrentQueue<string> BlobRanges { get; } = new();

    /// <summary>Blob digest → bytes after which its next GET drops the connection (once), as a network that fails mid-body.</summary>
    public ConcurrentDictionary<string, int> CutBlobs { get; } = new();

    /// <summary>Answer every blob GET whole (200), ignoring Range, as some registries and proxies do.</summary>
    public bool IgnoreRange { get; set; }

    /// <summary>Runs before the normal answer; returns true when it answered the request itself.</summary>
    public Func<HttpContext, Task<bool>>? Intercept { get; set; }

    /// <summary>When set, /v2/ requests need a Bearer token that /token hands out for these credentials.</summary>
    public (string User, string Password)? TokenCredentials { get; set; }

    public bool AnonymousTokens { get; set; }

    public ConcurrentQueue<string> TokenRequests { get; } = new();

    /// <summary>Blob bodies are sent this slowly (per 64 KiB), so that concurrent pulls overlap.</summary>
    public TimeSpan BlobDelay { get; set; }

    public string Host { get; private set; } = "";

    /// <summary>When set, blob GETs are answered 307 to /storage/DIGEST on "localhost" (another host name), as registries send blobs to S3 or a CDN.</summary>
    public bool RedirectBlobs { get; set; }

    /// <summary>The Authorization headers that reached /storage/: a client must not hand the registry's token to blob storage.</summary>
    public ConcurrentQueue<string> StorageAuthorizations { get; } = new();

    public void Add(string repository, string tag, TestImage image)
    {
        Manifests[$"{repository}:{tag}"] = (image.ManifestMediaType, image.Manifest);
        Manifests[$"{repository}@{image.ManifestDigest}"] = (image.ManifestMediaType, image.Manifest);
        foreach (var (digest, bytes) in image.Blobs)
        {
            Blobs[digest] = bytes;
        }
    }

    public static async Task<FakeRegistry> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var registry = new FakeRegistry(app);
        app.Run(registry.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        registry.Host = new Uri(address).Authority;
        return registry;
    }

    private const string IssuedToken = "token-for-flotilla-tests";

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path == "/token")
        {
            TokenRequests.Enqueue(context.Request.QueryString.Value ?? "");
            var basic = context.Request.Headers.Authorization.ToString();
            var expected = TokenCredentials is { } c
                ? "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{c.User}:{c.Password}"))
                : null;
            if (basic == expected || (AnonymousTokens && basic.Length == 0))
            {
                await context.Response.WriteAsJsonAsync(new { token = IssuedToken, expires_in = 300 });
            }
            else
            {
                context.Response.StatusCode = 401;
            }

            return;
        }

        if (path.StartsWith("/storage/", StringComparison.Ordinal) && Blobs.TryGetValue(path["/storage/".Length..], out var stored))
        {
            StorageAuthorizations.Enqueue(context.Request.Headers.Authorization.ToString());
            context.Response.ContentLength = stored.Length;
            await context.Response.Body.WriteAsync(stored);
            return;
        }

        if (TokenCredentials is not null || AnonymousTokens)
        {
            if (context.Request.Headers.Authorization.ToString() != "Bearer " + IssuedToken)
            {
                context.Response.StatusCode = 401;
                context.Response.Headers.WWWAuthenticate =
                    $"Bearer realm=\"http://{Host}/token\",service=\"fake-registry\",scope=\"repository:x:pull\"";
                return;
            }
        }

        if (Intercept is { } intercept && await intercept(context))
        {
            return;
        }

        if (path == "/v2/")
        {
            return;
        }

        var manifests = path.IndexOf("/manifests/", StringComparison.Ordinal);
        var blobs = path.IndexOf("/blobs/", StringComparison.Ordinal);
        if (path.StartsWith("/v2/", StringComparison.Ordinal) && manifests > 0)
        {
            var repository = path[4..manifests];
            var reference = path[(manifests + "/manifests/".Length)..];
            var key = reference.StartsWith("sha256:", StringComparison.Ordinal) ? $"{repository}@{reference}" : $"{repository}:{reference}";
            if (Manifests.TryGetValue(key, out var m))
            {
                context.Response.ContentType = m.MediaType;
                context.Response.Headers["Docker-Content-Digest"] = Flotilla.Images.Digests.Of(m.Bytes);
                await context.Response.Body.WriteAsync(m.Bytes);
                return;
            }
        }
        else if (path.StartsWith("/v2/", StringComparison.Ordinal) && blobs > 0)
        {
            var digest = path[(blobs + "/blobs/".Length)..];
            if (Blobs.TryGetValue(digest, out var bytes))
            {
                BlobGets.AddOrUpdate(digest, 1, (_, n) => n + 1);
                if (RedirectBlobs)
                {
                    context.Response.StatusCode = 307;
                    context.Response.Headers.Location = $"http://localhost:{new Uri("http://" + Host).Port}/storage/{digest}";
                    return;
                }

                var range = context.Request.Headers.Range.ToString();
                BlobRanges.Enqueue(range);
                var start = 0;
                if (!IgnoreRange && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-')
                    && int.TryParse(range["bytes=".Length..^1], out var from) && from < bytes.Length)
                {
                    start = from;
                    context.Response.StatusCode = 206;
                    context.Response.Headers.ContentRange = $"bytes {from}-{bytes.Length - 1}/{bytes.Length}";
                }

                var end = CutBlobs.TryRemove(digest, out var cut) ? cut : bytes.Length;
                context.Response.ContentLength = bytes.Length - start;
                for (var offset = start; offset < end; offset += 64 << 10)
                {
                    await Task.Delay(BlobDelay);
                    await context.Response.Body.WriteAsync(bytes.AsMemory(offset, Math.Min(64 << 10, end - offset)));
                    await context.Response.Body.FlushAsync();
                }

                if (end < bytes.Length)
                {
                    await Task.Delay(300); // the client reads what was sent before the connection drops
                    context.Abort();
                }

                return;
            }
        }

        context.Response.StatusCode = 404;
        await context.Response.WriteAsJsonAsync(new { errors = new[] { new { code = "MANIFEST_UNKNOWN", message = "manifest unknown" } } });
    }

    /// <summary>Stops it; a test may do so early (a registry that went away), and disposing again is then a no-op.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(1))) { await _app.StopAsync(stop.Token); }
        await _app.DisposeAsync();
    }
}
