using Flotilla.Grains.Local;
using Flotilla.Images;

namespace Flotilla.Host.Node;

public static class ImageServices
{
    /// <summary>The node's image store lives under DATA-ROOT/images.</summary>
    public static IServiceCollection AddFlotillaImages(this IServiceCollection services, string dataRoot) => services
        .AddSingleton(sp => new ImageStore(Path.Combine(dataRoot, "images"), sp.GetRequiredService<ILogger<ImageStore>>()))
        .AddSingleton<ImageLookup>();
}
