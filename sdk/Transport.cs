using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Flotilla.Client.Models;

namespace Flotilla.Client;

/// <summary>HTTP/1.1 over the daemon's unix socket, with docker's versioned paths and error bodies.</summary>
internal sealed class Transport : IDisposable
{
    private readonly HttpClient _http;

    public Transport(FlotillaClientOptions options)
    {
        Options = options;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) => await ConnectAsync(ct),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://flotilla/"), Timeout = Timeout.InfiniteTimeSpan };
    }

    public FlotillaClientOptions Options { get; }

    public string PathFor(string relative) => $"/v{Options.ApiVersion}/{relative.TrimStart('/')}";

    public async Task<Stream> ConnectAsync(CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(Options.SocketPath), ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw DaemonUnavailableException.For(Options.SocketPath, e);
        }
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, IReadOnlyDictionary<string, string>? headers = null)
    {
        // Said before HttpClient is involved: its failure path (exceptions wrapped through its pipeline) costs a
        // few milliseconds, which is most of the time a CLI takes to report that no daemon runs.
        if (!File.Exists(Options.SocketPath))
        {
            throw DaemonUnavailableException.For(Options.SocketPath, new FileNotFoundException("no such socket", Options.SocketPath));
        }

        using var request = new HttpRequestMessage(method, PathFor(path)) { Content = content };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, ct);
        }
        catch (HttpRequestException e) when (e.InnerException is DaemonUnavailableException d)
        {
            throw d;
        }

        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotModified)
        {
            using (response)
            {
                throw await ErrorAsync(response, ct);
            }
        }

        return response;
    }

    public async Task<T> GetJsonAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Get, path, null, ct);
        return (await response.Content.ReadFromJsonAsync(type, ct))!;
    }

    public async Task<TOut> SendJsonAsync<TIn, TOut>(HttpMethod method, string path, TIn body, JsonTypeInfo<TIn> inType, JsonTypeInfo<TOut> outType, CancellationToken ct)
    {
        using var response = await SendAsync(method, path, Json(body, inType), ct);
        return (await response.Content.ReadFromJsonAsync(outType, ct))!;
    }

    public async Task SendAsync(HttpMethod method, string path, CancellationToken ct)
    {
        using var response = await SendAsync(method, path, null, ct);
    }

    public static HttpContent Json<T>(T body, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, type));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    public static async Task<FlotillaApiException> ErrorAsync(HttpResponseMessage response, CancellationToken ct) =>
        Error(response.StatusCode, await response.Content.ReadAsStringAsync(ct));

    /// <summary>The daemon's explanation from an error body ({"message": "..."}), or the body itself.</summary>
    public static FlotillaApiException Error(HttpStatusCode status, string body)
    {
        string? message;
        try
        {
            message = JsonSerializer.Deserialize(body, FlotillaJsonContext.Default.ErrorResponse)?.Message;
        }
        catch (JsonException)
        {
            message = body;
        }

        return new FlotillaApiException(status, string.IsNullOrWhiteSpace(message) ? $"the daemon answered {(int)status} {status} without an explanation" : message.Trim());
    }

    public void Dispose() => _http.Dispose();
}

internal static class HttpContentJson
{
    public static async Task<T?> ReadFromJsonAsync<T>(this HttpContent content, JsonTypeInfo<T> type, CancellationToken ct)
    {
        await using var stream = await content.ReadAsStreamAsync(ct);
        return await JsonSerializer.DeserializeAsync(stream, type, ct);
    }
}
