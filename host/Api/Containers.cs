using System.Security.Cryptography;
using Flotilla.Grains.Containers;
using Flotilla.Grains.Local;
using Flotilla.Grains.Nodes;
using Flotilla.Grains.Placement;

namespace Flotilla.Host.Api;

/// <summary>Finds the grain of a container named by id, name or id prefix on this node.</summary>
public sealed class Containers(IGrainFactory grains, NodeContext node)
{
    public INodeGrain Node => grains.GetGrain<INodeGrain>(node.NodeName);

    public IContainerGrain Grain(string id) => grains.GetGrain<IContainerGrain>(NodeScopedKey.Format(node.NodeName, id));

    public async Task<(string Id, IContainerGrain Grain)> ResolveAsync(string idOrName)
    {
        var entry = await Node.ResolveContainerAsync(idOrName);
        return (entry.Id, Grain(entry.Id));
    }

    public async Task<ContainerRecord> RecordAsync(string idOrName)
    {
        var (id, grain) = await ResolveAsync(idOrName);
        return await grain.GetAsync() ?? throw Flotilla.Grains.FlotillaException.NotFound($"No such container: {idOrName}");
    }

    public async Task<IReadOnlyList<ContainerRecord>> ListAsync()
    {
        var entries = await Node.ListContainersAsync();
        var records = await Task.WhenAll(entries.Select(e => Grain(e.Id).GetAsync()));
        return [.. records.OfType<ContainerRecord>()];
    }

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
