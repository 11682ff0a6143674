using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Flotilla.Images;
using Flotilla.Images.Oci;

namespace Flotilla.Registry;

/// <summary>
/// The OCI Distribution API v2 against one registry: manifests and blobs by tag or digest, blob uploads
/// (monolithic, chunked, cross-repository mount) and manifest pushes. Authenticates as the registry asks
/// (WWW-Authenticate): a Bearer token from its token service (anonymous, or with the user's credentials), or
/// Basic. Every request must start answering within the stall time-out.
/// </summary>
public sealed class RegistryClient
{
    public static readonly string[] ManifestMediaTypes =
        [MediaTypes.OciIndex, MediaTypes.OciManifest, MediaTypes.DockerManifestList, MediaTypes.DockerManifest];

    private readonly RegistryTransport _transport;
    private readonly RegistryCredentials? _credentials;
    private readonly List<string> _scopes;
    private readonly SemaphoreSlim _authenticating = new(1, 1);
    private AuthenticationHeaderValue? _authorization;

    internal RegistryClient(RegistryTransport transport, string domain, Uri baseUri, RegistryCredentials? credentials, IEnumerable<string> scopes)
    {
        _transport = transport;
        Domain = domain;
        _credentials = credentials is { IsEmpty: false } ? credentials : null;
        _scopes = [.. scopes];
        BaseUri = baseUri;
        if (_credentials?.RegistryToken is { Length: > 0 } token)
        {
            _authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public string Domain { get; }

    public Uri BaseUri { get; }

    public static string PullScope(string repository) => $"repository:{repository}:pull";

    public static string PushScope(string repository) => $"repository:{repository}:pull,push";

    /// <summary>GET /v2/: checks that the registry answers and accepts the credentials (docker login).</summary>
    public async Task CheckLoginAsync(CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(BaseUri, "v2/")), ct);
        await EnsureSuccessAsync(response, "the registry's API root /v2/", null, ct);
    }

    /// <summary>A manifest or index by tag or digest, within the size limit, checked against its digest.</summary>
    public async Task<FetchedManifest> GetManifestAsync(string repository, string tagOrDigest, CancellationToken ct)
    {
        var uri = new Uri(BaseUri, $"v2/{repository}/manifests/{tagOrDigest}");
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, uri);
            foreach (var type in ManifestMediaTypes)
            {
                request.Headers.Accept.ParseAdd(type);
            }

            return request;
        }, ct);
        var what = $"manifest {repository}:{tagOrDigest}".Replace(":sha256:", "@sha256:");
        await EnsureSuccessAsync(response, what, repository, ct);

        var limit = _transport.Options.MaxManifestBytes;
        if (response.Content.Headers.ContentLength > limit)
        {
            throw RegistryException.Invalid(
                $"registry {Domain} sent a {response.Content.Headers.ContentLength}-byte {what}, larger than the {limit}-byte limit for manifests; this is not a real image manifest");
        }

        var bytes = await ReadLimitedAsync(response, limit, what, ct);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is null or "application/json" or "text/plain")
        {
            // Some registries serve the document without its media type: take the one it declares itself.
            mediaType = DeclaredMediaType(bytes) ?? mediaType;
        }

        if (!ManifestMediaTypes.Contains(mediaType))
        {
            throw RegistryException.Invalid(
                $"registry {Domain} sent {what} with media type '{mediaType}', which is not an image manifest or index this node can use " +
                $"({string.Join(", ", ManifestMediaTypes)}); Docker schema 1 and other artifacts are not supported");
        }

        var digest = Digests.Of(bytes);
        if (Digests.IsValid(tagOrDigest) && digest != tagOrDigest)
        {
            throw RegistryException.Invalid($"registry {Domain} sent {what} whose content has digest {digest}: it does not match, nothing was stored");
        }

        if (response.Headers.TryGetValues("Docker-Content-Digest", out var headers) && headers.FirstOrDefault() is { } header
            && header.StartsWith("sha256:", StringComparison.Ordinal) && header != digest)
        {
            throw RegistryException.Invalid(
                $"registry {Domain} sent {what} with Docker-Content-Digest {header} but its content has digest {digest}: it does not match, nothing was stored");
        }

        return new FetchedManifest(bytes, mediaType!, digest);
    }

    /// <summary>A small blob (an image config) in memory, within <paramref name="limit"/> bytes.</summary>
    public async Task<byte[]> GetSmallBlobAsync(string repository, Descriptor descriptor, int limit, CancellationToken ct)
    {
        if (descriptor.Size > limit)
        {
            throw RegistryException.Invalid($"registry {Domain}: blob {descriptor.Digest} of {repository} claims {descriptor.Size} bytes, more than the {limit}-byte limit for an image config");
        }

        using var response = await OpenBlobAsync(repository, descriptor.Digest, ct);
        await using var body = new BlobReadStream(await response.Content.ReadAsStreamAsync(ct), descriptor.Size, _transport.Options.StallTimeout, _ => { });
        var buffer = new MemoryStream();
        try
        {
            await body.CopyToAsync(buffer, ct);
        }
        catch (Exception e) when (IsTransferFailure(e))
        {
            throw TransferFailed(repository, descriptor.Digest, e);
        }

        return buffer.ToArray();
    }

    /// <summary>GET a blob; the caller reads (and verifies) the body. Redirects to blob storage are followed.</summary>
    public Task<HttpResponseMessage> OpenBlobAsync(string repository, string digest, CancellationToken ct) => OpenBlobAsync(repository, digest, 0, ct);

    /// <summary>
    /// GET a blob from byte <paramref name="from"/> on (Range: bytes=from-) when it is not 0. The registry may answer
    /// 206 with that part, or 200 with the whole blob: the caller checks which.
    /// </summary>
    public async Task<HttpResponseMessage> OpenBlobAsync(string repository, string digest, long from, CancellationToken ct)
    {
        var uri = new Uri(BaseUri, $"v2/{repository}/blobs/{digest}");
        var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (from > 0)
            {
                request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(from, null);
            }

            return request;
        }, ct);
        try
        {
            await EnsureSuccessAsync(response, $"blob {digest} of {repository}", repository, ct);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>HEAD a blob: does the repository have it already?</summary>
    public async Task<bool> HasBlobAsync(string repository, string digest, CancellationToken ct)
    {
        var uri = new Uri(BaseUri, $"v2/{repository}/blobs/{digest}");
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, uri), ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, $"blob {digest} of {repository}", repository, ct);
        return true;
    }

    /// <summary>Cross-repository mount: true when the registry linked the blob from <paramref name="from"/> without an upload.</summary>
    public async Task<bool> MountBlobAsync(string repository, string digest, string from, CancellationToken ct)
    {
        var uri = new Uri(BaseUri, $"v2/{repository}/blobs/uploads/?mount={Uri.EscapeDataString(digest)}&from={Uri.EscapeDataString(from)}");
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, uri), ct);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            return true;
        }

        await EnsureSuccessAsync(response, $"mount of blob {digest} from {from} into {repository}", repository, ct);
        if (response.Headers.Location is { } location)
        {
            // The registry opened an upload instead of mounting (202): cancel it, the caller uploads afresh.
            using var cancel = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, new Uri(uri, location)), ct);
        }

        return false;
    }

    /// <summary>
    /// Uploads a blob: in one PUT when it is at most the chunk size, else in PATCH chunks then a closing PUT.
    /// <paramref name="open"/> gives the content from an offset (called again if the registry asks to authenticate).
    /// </summary>
    public async Task UploadBlobAsync(string repository, string digest, long size, Func<long, Stream> open, Action<long> onProgress, CancellationToken ct)
    {
        var start = new Uri(BaseUri, $"v2/{repository}/blobs/uploads/");
        Uri location;
        using (var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, start), ct))
        {
            await EnsureSuccessAsync(response, $"upload of blob {digest} to {repository}", repository, ct);
            location = UploadLocation(response, start);
        }

        var chunk = _transport.Options.ChunkSize;
        if (size <= chunk)
        {
            using var put = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, WithDigest(location, digest))
            {
                Content = Body(open(0), 0, size, onProgress),
            }, ct);
            await EnsureSuccessAsync(put, $"upload of blob {digest} to {repository}", repository, ct);
            return;
        }

        for (long offset = 0; offset < size; offset += chunk)
        {
            var length = Math.Min(chunk, size - offset);
            var from = offset;
            var at = location;
            using var patch = await SendAsync(() =>
            {
                var content = Body(open(from), from, length, onProgress);
                content.Headers.TryAddWithoutValidation("Content-Range", $"{from}-{from + length - 1}");
                return new HttpRequestMessage(HttpMethod.Patch, at) { Content = content };
            }, ct);
            await EnsureSuccessAsync(patch, $"upload of blob {digest} to {repository} (chunk at {from})", repository, ct);
            location = UploadLocation(patch, location);
        }

        using var close = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, WithDigest(location, digest)), ct);
        await EnsureSuccessAsync(close, $"upload of blob {digest} to {repository}", repository, ct);
    }

    /// <summary>PUT a manifest under a tag; returns the digest the registry gives it (checked against ours).</summary>
    public async Task<string> PutManifestAsync(string repository, string tag, byte[] manifest, string mediaType, CancellationToken ct)
    {
        var uri = new Uri(BaseUri, $"v2/{repository}/manifests/{tag}");
        using var response = await SendAsync(() =>
        {
            var content = new ByteArrayContent(manifest);
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return new HttpRequestMessage(HttpMethod.Put, uri) { Content = content };
        }, ct);
        await EnsureSuccessAsync(response, $"manifest {repository}:{tag}", repository, ct);
        var digest = Digests.Of(manifest);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } said && said != digest)
        {
            throw RegistryException.Failed($"registry {Domain} stored manifest {repository}:{tag} as {said}, but its digest is {digest}");
        }

        return digest;
    }

    /// <summary>Sends a request, authenticating and sending it again once when the registry answers 401 with a challenge.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> make, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var request = make();
            request.Headers.Authorization = _authorization;
            var response = await SendOnceAsync(request, ct);
            if (response.StatusCode != HttpStatusCode.Unauthorized || attempt > 0)
            {
                return response;
            }

            var challenge = response.Headers.WwwAuthenticate.FirstOrDefault(c => c.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
                            ?? response.Headers.WwwAuthenticate.FirstOrDefault(c => c.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase));
            if (challenge is null || !await AuthenticateAsync(AuthChallenge.Parse(challenge.Scheme, challenge.Parameter), request.Headers.Authorization, ct))
            {
                return response;
            }

            response.Dispose();
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stall.CancelAfter(_transport.Options.StallTimeout);
        try
        {
            return await _transport.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stall.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw RegistryException.Failed(
                $"registry {Domain} did not answer {request.Method} {request.RequestUri?.AbsolutePath} within {_transport.Options.StallTimeout.TotalSeconds:0} s; check that it is up and reachable");
        }
        catch (HttpRequestException e)
        {
            throw RegistryException.Failed($"cannot reach registry {Domain} at {BaseUri}: {e.Message}" +
                (BaseUri.Scheme == "https" ? $" (if it serves plain HTTP, configure it as insecure: --Registry:insecure={Domain})" : ""), e);
        }
    }

    /// <summary>Answers a challenge: a Bearer token from the realm, or Basic credentials. False when there is nothing new to try.</summary>
    private async Task<bool> AuthenticateAsync(AuthChallenge challenge, AuthenticationHeaderValue? tried, CancellationToken ct)
    {
        await _authenticating.WaitAsync(ct);
        try
        {
            if (_authorization is not null && !Equals(_authorization, tried))
            {
                return true; // a concurrent request authenticated meanwhile
            }

            if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            {
                if (_credentials?.Username is null || tried?.Scheme == "Basic")
                {
                    return false;
                }

                _authorization = BasicHeader(_credentials);
                return true;
            }

            if (tried?.Scheme == "Bearer" || challenge["realm"] is not { } realm || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri))
            {
                return false;
            }

            _authorization = new AuthenticationHeaderValue("Bearer", await FetchTokenAsync(realmUri, challenge["service"], challenge["scope"], ct));
            return true;
        }
        finally
        {
            _authenticating.Release();
        }
    }

    /// <summary>docker's token flow: GET REALM?service=&amp;scope=… (with Basic credentials when logged in), or the OAuth2 refresh-token POST for an identity token.</summary>
    private async Task<string> FetchTokenAsync(Uri realm, string? service, string? challengeScope, CancellationToken ct)
    {
        var scopes = _scopes.Count > 0 ? _scopes : challengeScope is null ? [] : [challengeScope];
        HttpRequestMessage request;
        if (_credentials?.IdentityToken is { Length: > 0 } refresh)
        {
            var form = new List<KeyValuePair<string, string>>
            {
                new("grant_type", "refresh_token"), new("refresh_token", refresh), new("client_id", "flotilla"),
                new("service", service ?? ""), new("scope", string.Join(' ', scopes)),
            };
            request = new HttpRequestMessage(HttpMethod.Post, realm) { Content = new FormUrlEncodedContent(form) };
        }
        else
        {
            var query = new StringBuilder(realm.Query.Length > 0 ? realm.Query + "&" : "?");
            if (service is not null)
            {
                query.Append("service=").Append(Uri.EscapeDataString(service)).Append('&');
            }

            foreach (var scope in scopes)
            {
                query.Append("scope=").Append(Uri.EscapeDataString(scope)).Append('&');
            }

            request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(realm) { Query = query.ToString().TrimEnd('&', '?') }.Uri);
            if (_credentials?.Username is not null)
            {
                request.Headers.Authorization = BasicHeader(_credentials);
            }
        }

        using var response = await SendOnceAsync(request, ct);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new RegistryException(ImageStoreErrorKind.InvalidInput,
                $"the token service of registry {Domain} ({realm.GetLeftPart(UriPartial.Path)}) refused the credentials ({(int)response.StatusCode}); " +
                $"check the user name and password (flotilla login {Domain})") { Unauthorized = true };
        }

        if (!response.IsSuccessStatusCode)
        {
            throw RegistryException.Failed($"the token service of registry {Domain} ({realm.GetLeftPart(UriPartial.Path)}) answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        var body = await ReadLimitedAsync(response, 1 << 20, "token", ct);
        try
        {
            using var json = JsonDocument.Parse(body);
            foreach (var name in (string[])["token", "access_token"])
            {
                if (json.RootElement.TryGetProperty(name, out var token) && token.GetString() is { Length: > 0 } value)
                {
                    return value;
                }
            }
        }
        catch (JsonException)
        {
        }

        throw RegistryException.Failed($"the token service of registry {Domain} ({realm.GetLeftPart(UriPartial.Path)}) answered without a token");
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, string what, string? repository, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var detail = await ErrorDetailAsync(response, ct);
        var status = (int)response.StatusCode;
        throw response.StatusCode switch
        {
            HttpStatusCode.NotFound => RegistryException.NotFound(
                $"registry {Domain} has no {what}{detail}: check the repository name and tag"),
            HttpStatusCode.Unauthorized => new RegistryException(ImageStoreErrorKind.InvalidInput,
                $"registry {Domain} refused access to {what} (401 unauthorized{detail}); " +
                (_credentials is null ? $"log in first (flotilla login {Domain})" : $"check the credentials (flotilla login {Domain})")) { Unauthorized = true },
            HttpStatusCode.Forbidden => new RegistryException(ImageStoreErrorKind.InvalidInput,
                $"registry {Domain} denied access to {what} (403 forbidden{detail}); the account lacks the permission for {repository ?? "it"}") { Unauthorized = true },
            _ => RegistryException.Failed($"registry {Domain} answered {status} {response.ReasonPhrase} for {what}{detail}"),
        };
    }

    /// <summary>The distribution error body {"errors":[{"code","message"}]}, as ": CODE message".</summary>
    private static async Task<string> ErrorDetailAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var body = await ReadLimitedAsync(response, 64 << 10, "error", ct);
            using var json = JsonDocument.Parse(body);
            var errors = json.RootElement.GetProperty("errors").EnumerateArray()
                .Select(e => $"{(e.TryGetProperty("code", out var c) ? c.GetString() : null)} {(e.TryGetProperty("message", out var m) ? m.GetString() : null)}".Trim())
                .Where(s => s.Length > 0);
            var text = string.Join("; ", errors);
            return text.Length > 0 ? ": " + text : "";
        }
        catch (Exception)
        {
            return ""; // no body, or not distribution's error format
        }
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpResponseMessage response, int limit, string what, CancellationToken ct)
    {
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        while (await body.ReadAsync(chunk, ct) is var n and > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > limit)
            {
                throw RegistryException.Invalid($"the registry sent more than {limit} bytes for {what}; refusing it (real ones are far smaller)");
            }
        }

        return buffer.ToArray();
    }

    private static string? DeclaredMediaType(byte[] bytes)
    {
        try
        {
            using var json = JsonDocument.Parse(bytes);
            return json.RootElement.TryGetProperty("mediaType", out var m) ? m.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static bool IsTransferFailure(Exception e) =>
        e is HttpIOException or IOException or TimeoutException or InvalidDataException or HttpRequestException;

    internal RegistryException TransferFailed(string repository, string digest, Exception e) =>
        RegistryException.Failed($"registry {Domain}: download of blob {digest} of {repository} failed: {e.Message}; nothing of it was stored, pull again", e);

    private static AuthenticationHeaderValue BasicHeader(RegistryCredentials c) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{c.Username}:{c.Password}")));

    private static HttpContent Body(Stream source, long offset, long length, Action<long> onProgress)
    {
        var content = new StreamContent(new BlobReadStream(source, length, Timeout.InfiniteTimeSpan, n => onProgress(offset + n)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentLength = length;
        return content;
    }

    private Uri UploadLocation(HttpResponseMessage response, Uri requestUri) =>
        response.Headers.Location is { } location
            ? new Uri(requestUri, location)
            : throw RegistryException.Failed($"registry {Domain} accepted an upload but gave no Location to send it to");

    private static Uri WithDigest(Uri location, string digest) =>
        new(location + (location.Query.Length > 0 ? "&" : "?") + "digest=" + Uri.EscapeDataString(digest));
}

/// <summary>A manifest or index as the registry sent it: its exact bytes, media type and digest.</summary>
public sealed record FetchedManifest(byte[] Bytes, string MediaType, string Digest);
