namespace Flotilla.Grains.Services;

public sealed class ServiceCatalogGrain([PersistentState("services", "cluster")] IPersistentState<ServiceCatalogState> state)
    : Grain, IServiceCatalogGrain
{
    private Dictionary<string, ServiceEntry> Services => state.State.Services;

    public async Task AddAsync(ServiceEntry entry)
    {
        if (Services.Values.FirstOrDefault(s => s.Name == entry.Name && s.Id != entry.Id) is { } holder)
        {
            throw FlotillaException.Conflict($"service {entry.Name} already exists (id {holder.Id}). Choose another --name, or remove that service first.");
        }

        Services[entry.Id] = entry;
        await state.WriteStateAsync();
    }

    public async Task RemoveAsync(string id)
    {
        if (Services.Remove(id))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<ServiceEntry>> ListAsync() =>
        Task.FromResult<IReadOnlyList<ServiceEntry>>([.. Services.Values.OrderBy(s => s.Name, StringComparer.Ordinal)]);

    public Task<ServiceEntry> ResolveAsync(string idOrName)
    {
        if (Services.TryGetValue(idOrName, out var byId))
        {
            return Task.FromResult(byId);
        }

        if (Services.Values.FirstOrDefault(s => s.Name == idOrName) is { } byName)
        {
            return Task.FromResult(byName);
        }

        var matches = Services.Values.Where(s => s.Id.StartsWith(idOrName, StringComparison.Ordinal)).Take(2).ToList();
        return matches.Count switch
        {
            1 => Task.FromResult(matches[0]),
            0 => throw FlotillaException.NotFound($"service {idOrName} not found"),
            _ => throw FlotillaException.Invalid($"service {idOrName} is ambiguous: give more characters of its id, or its name."),
        };
    }
}
