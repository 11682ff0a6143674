using Orleans.Concurrency;

namespace Flotilla.Grains.Services;

/// <summary>Every service of the swarm by id and name (one per cluster, key "services"): names are unique.</summary>
public interface IServiceCatalogGrain : IGrainWithStringKey
{
    /// <summary>Reserves <paramref name="name"/> for <paramref name="id"/>; a name in use is a conflict.</summary>
    Task AddAsync(ServiceEntry entry);

    Task RemoveAsync(string id);

    [AlwaysInterleave]
    Task<IReadOnlyList<ServiceEntry>> ListAsync();

    /// <summary>By full id, name, or unique id prefix (docker's order).</summary>
    [AlwaysInterleave]
    Task<ServiceEntry> ResolveAsync(string idOrName);
}
