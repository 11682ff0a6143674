using Flotilla.Grains.Local;
using Flotilla.Images;
using Flotilla.Registry;

namespace Flotilla.Host.Node;

public static class ImageServices
{
    /// <summary>The node's image store lives under DATA-ROOT/images.</summary>
    public static IServiceCollection AddFlotillaImages(this IServiceCollection services, string dataRoot) => services
        .AddSingleton(sp => new ImageStore(Path.Combine(dataRoot, "images"), sp.GetRequiredService<ILogger<ImageStore>>()))
        .AddSingleton<ImageLookup>()
        .AddFlotillaRegistries();

    /// <summary>
    /// Pull and push. Registries reached over plain HTTP besides loopback: --Registry:insecure=HOST[:PORT],…; pull
    /// mirrors: --Registry:mirrors=REGISTRY=URL,…;…; how
    /// long a registry may stall: --Registry:timeout=SECONDS (or FLOTILLA_Registry__…, or flotillad.json).
    /// </summary>
    private static IServiceCollection AddFlotillaRegistries(this IServiceCollection services) => services
        .AddSingleton(sp =>
        {
            var config = sp.GetRequiredService<IConfiguration>();
            var defaults = new RegistryOptions();
            var timeout = config["Registry:timeout"] is not { } text ? defaults.StallTimeout
                : int.TryParse(text, out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds)
                : throw new ArgumentException($"--Registry:timeout: '{text}' is not a number of seconds");
            return new RegistryTransport(defaults with
            {
                InsecureRegistries = (config["Registry:insecure"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                StallTimeout = timeout,
                Mirrors = Mirrors(config["Registry:mirrors"]),
            });
        })
        .AddSingleton<ImagePuller>()
        .AddSingleton<ImagePusher>();

    /// <summary>
    /// --Registry:mirrors="REGISTRY=URL[,URL…][;REGISTRY=…]", REGISTRY as in image names (docker.io, ghcr.io,
    /// host:port). One string, because a host:port can't be a configuration key.
    /// </summary>
    private static Dictionary<string, IReadOnlyList<Uri>> Mirrors(string? text)
    {
        var mirrors = new Dictionary<string, IReadOnlyList<Uri>>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in (text ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                throw new ArgumentException($"--Registry:mirrors: '{entry}' is not REGISTRY=URL[,URL…] (for example docker.io=https://mirror.example)");
            }

            mirrors[parts[0]] = [.. parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(url =>
                Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Query.Length == 0
                    ? uri
                    : throw new ArgumentException($"--Registry:mirrors: '{url}' (a mirror of {parts[0]}) is not a URL; give http://HOST[:PORT] or https://HOST[:PORT]"))];
        }

        return mirrors;
    }
}
