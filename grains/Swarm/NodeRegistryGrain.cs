using Orleans.Runtime;

namespace Flotilla.Grains.Swarm;

public sealed class NodeRegistryGrain(
    [PersistentState("nodes", "cluster")] IPersistentState<NodeRegistryState> state,
    IClusterMembershipService membership) : Grain, INodeRegistryGrain
{
    private readonly Guid _activation = Guid.NewGuid();
    private long _changes;
    private NodeList? _list;

    private Dictionary<string, NodeRecord> Nodes => state.State.Nodes;

    public async Task<NodeRecord> AdmitAsync(NodeDescription node, NodeRole role)
    {
        if (node.HostedBy is { } host && (host == node.Name || !Nodes.TryGetValue(host, out var h) || h.Description.HostedBy is not null))
        {
            throw FlotillaException.Invalid($"Node {node.Name} can't be hosted by {host}: a host must be another node of this swarm that runs its own daemon.");
        }

        var now = DateTimeOffset.UtcNow;
        var record = Nodes.TryGetValue(node.Name, out var known)
            // A node that rejoins keeps its id and labels; the token decides its role again.
            ? known with { Description = node, Role = role, UpdatedAt = now, Version = known.Version + 1 }
            : new NodeRecord { Id = SwarmIds.New(), Description = node, Role = role, CreatedAt = now, UpdatedAt = now, Version = 1 };
        Nodes[node.Name] = record;
        await SaveAsync();
        return record;
    }

    public async Task<NodeRecord> RegisterAsync(NodeDescription node)
    {
        if (!Nodes.TryGetValue(node.Name, out var known))
        {
            throw new FlotillaException(ErrorKind.Unauthorized, $"Node {node.Name} is not a member of this swarm: join it with `flotilla swarm join --token …`.");
        }

        if (known.Description == node)
        {
            return known;
        }

        var record = known with { Description = node, UpdatedAt = DateTimeOffset.UtcNow, Version = known.Version + 1 };
        Nodes[node.Name] = record;
        await SaveAsync();
        return record;
    }

    public Task<IReadOnlyList<NodeView>> ListAsync() => Task.FromResult(List().Nodes);

    public Task<NodeList?> ListIfChangedAsync(NodeListVersion? known)
    {
        var list = List();
        return Task.FromResult(list.Version == known ? null : list);
    }

    public Task<NodeView> GetAsync(string idOrName) => Task.FromResult(View(Resolve(idOrName)));

    public async Task<NodeView> UpdateAsync(string idOrName, NodeUpdate update)
    {
        var node = Resolve(idOrName);
        if (update.Version is { } v && v != node.Version)
        {
            throw FlotillaException.Conflict($"update out of sequence: node {node.Description.Name} is at version {node.Version}, not {v}. Inspect it again and retry.");
        }

        if (update.Role == NodeRole.Worker && node.Role == NodeRole.Manager
            && Nodes.Values.Count(n => n.Role == NodeRole.Manager) == 1)
        {
            throw FlotillaException.Invalid($"Node {node.Description.Name} is the last manager of the swarm; demoting it would leave nobody to manage it. Promote another node first.");
        }

        var updated = node with
        {
            Role = update.Role ?? node.Role,
            Availability = update.Availability ?? node.Availability,
            Labels = update.Labels ?? node.Labels,
            UpdatedAt = DateTimeOffset.UtcNow,
            Version = node.Version + 1,
        };
        Nodes[node.Description.Name] = updated;
        await SaveAsync();
        return View(updated);
    }

    public async Task RemoveAsync(string idOrName, bool force)
    {
        var node = Resolve(idOrName);
        if (IsReady(node) && !force)
        {
            throw FlotillaException.Conflict($"Node {node.Description.Name} is not down and can't be removed. Stop it or have it leave (`flotilla swarm leave`), or use --force.");
        }

        Nodes.Remove(node.Description.Name);
        await SaveAsync();
    }

    public async Task LeaveAsync(string name)
    {
        if (Nodes.Remove(name))
        {
            await SaveAsync();
        }
    }

    public Task<bool> IsMemberAsync(string name) => Task.FromResult(Nodes.ContainsKey(name));

    private async Task SaveAsync()
    {
        _changes++;
        await state.WriteStateAsync();
    }

    /// <summary>Built again only when the nodes or the membership changed.</summary>
    private NodeList List()
    {
        var version = new NodeListVersion(_activation, _changes, membership.CurrentSnapshot.Version.Value);
        if (_list?.Version != version)
        {
            _list = new NodeList(version, [.. Nodes.Values.OrderBy(n => n.Description.Name).Select(View)]);
        }

        return _list;
    }

    private NodeRecord Resolve(string idOrName)
    {
        if (Nodes.TryGetValue(idOrName, out var byName))
        {
            return byName;
        }

        var matches = Nodes.Values.Where(n => n.Id.StartsWith(idOrName, StringComparison.Ordinal)).Take(2).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw FlotillaException.NotFound($"node {idOrName} not found"),
            _ => throw FlotillaException.Invalid($"node {idOrName} is ambiguous ({matches.Count} matches): give more characters of its id, or its name."),
        };
    }

    private NodeView View(NodeRecord r) => new(r, IsReady(r));

    private bool IsReady(NodeRecord node) =>
        membership.CurrentSnapshot.Members.Values.Any(m => m.Name == node.Description.Silo && m.Status == SiloStatus.Active);
}
