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
    /// Pull and push. Registries reached over plain HTTP besides loopback: --Registry:insecure=HOST[:PORT],… (or
    /// FLOTILLA_Registry__insecure, or flotillad.json).
    /// </summary>
    private static IServiceCollection AddFlotillaRegistries(this IServiceCollection services) => services
        .AddSingleton(sp => new RegistryTransport(new RegistryOptions
        {
            InsecureRegistries = (sp.GetRequiredService<IConfiguration>()["Registry:insecure"] ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        }))
        .AddSingleton<ImagePuller>()
        .AddSingleton<ImagePusher>();
}
