using System.Net;

namespace Flotilla.Registry;

/// <summary>
/// The node's one HTTP client for registries (connections are pooled across pulls), and the rule for which
/// registries are spoken to over plain HTTP.
/// </summary>
public sealed class RegistryTransport : IDisposable
{
    public const string DockerHubDomain = "docker.io";
    private const string DockerHubEndpoint = "registry-1.docker.io";

    public RegistryTransport(RegistryOptions options)
    {
        Options = options;
        Http = new HttpClient(new SocketsHttpHandler
        {
            // Blob GETs are redirected to storage (S3, a CDN); .NET drops the Authorization header on redirect.
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 10,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.StallTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            UseCookies = false,
        })
        {
            // Each request has its own stall time-out; a big blob may take as long as it keeps flowing.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        Http.DefaultRequestHeaders.UserAgent.ParseAdd("flotilla/1.0");
    }

    public RegistryOptions Options { get; }

    internal HttpClient Http { get; }

    /// <summary>The base URL of a registry domain: docker.io is served by registry-1.docker.io.</summary>
    public Uri BaseUri(string domain)
    {
        var host = domain == DockerHubDomain ? DockerHubEndpoint : domain;
        return new Uri((IsPlainHttp(domain) ? "http://" : "https://") + host + "/");
    }

    /// <summary>Plain HTTP only for registries configured as insecure, and for loopback as docker allows by default.</summary>
    public bool IsPlainHttp(string domain)
    {
        if (Options.InsecureRegistries.Contains(domain, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        var host = Uri.TryCreate("http://" + domain, UriKind.Absolute, out var uri) ? uri.Host : domain;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>A client for one registry, authenticating with <paramref name="credentials"/> for the given scopes.</summary>
    public RegistryClient Open(string domain, RegistryCredentials? credentials, IEnumerable<string> scopes) =>
        new(this, domain, BaseUri(domain), credentials, scopes);

    /// <summary>Clients for the registry's mirrors (anonymous: credentials belong to the registry), in order.</summary>
    public IEnumerable<RegistryClient> OpenMirrors(string domain, IEnumerable<string> scopes) =>
        (Options.Mirrors.TryGetValue(domain, out var mirrors) ? mirrors : [])
        .Select(uri => new RegistryClient(this, uri.Authority, uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/"), null, scopes));

    public void Dispose() => Http.Dispose();
}
