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
            throw new DaemonUnavailableException(Options.SocketPath, e);
        }
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var request = new HttpRequestMessage(method, PathFor(path)) { Content = content };
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

    public static async Task<FlotillaApiException> ErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        string message;
        try
        {
            message = JsonSerializer.Deserialize(text, FlotillaJsonContext.Default.ErrorResponse)?.Message ?? text;
        }
        catch (JsonException)
        {
            message = text;
        }

        return new FlotillaApiException(response.StatusCode, string.IsNullOrWhiteSpace(message) ? $"{(int)response.StatusCode} {response.ReasonPhrase}" : message);
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
