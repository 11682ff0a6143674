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
    /// Pull and push. Registries reached over plain HTTP besides loopback: --Registry:insecure=HOST[:PORT],…; how
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
            });
        })
        .AddSingleton<ImagePuller>()
        .AddSingleton<ImagePusher>();
}
