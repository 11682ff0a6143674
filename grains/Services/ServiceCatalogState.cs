namespace Flotilla.Grains.Services;

[GenerateSerializer]
public sealed class ServiceCatalogState
{
    [Id(0)] public Dictionary<string, ServiceEntry> Services { get; set; } = new(StringComparer.Ordinal);
}
