using Flotilla.Grains.Swarm;

namespace Flotilla.Grains.Scheduling;

/// <summary>
/// Chooses a node for each task, as swarmkit's scheduler does: filter out nodes that are down, paused or drained,
/// lack the runtime, fail a constraint or can't fit the reservation; of the rest, take the one with the fewest tasks
/// of the same service, then the fewest tasks in all (spread). Plain logic over a snapshot of the nodes and the
/// reservations, so it is easy to test; the scheduler grain keeps one and gives it each new snapshot of the nodes.
/// </summary>
public sealed class TaskScheduler
{
    private IReadOnlyList<NodeView> _nodes;
    private readonly Dictionary<string, Reservation> _reservations;
    private readonly Dictionary<string, int> _tasksPerNode = new(StringComparer.Ordinal);
    /// <summary>By service, then node: a placement looks its service up once, then each node by name.</summary>
    private readonly Dictionary<string, Dictionary<string, int>> _tasksPerService = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Cpu, long Memory)> _reserved = new(StringComparer.Ordinal);

    public TaskScheduler(IReadOnlyList<NodeView> nodes, Dictionary<string, Reservation> reservations)
    {
        _nodes = nodes;
        _reservations = reservations;
        foreach (var r in reservations.Values)
        {
            Count(r, +1);
        }
    }

    public void UseNodes(IReadOnlyList<NodeView> nodes) => _nodes = nodes;

    public PlacementDecision Place(PlacementRequest request)
    {
        if (_reservations.TryGetValue(request.TaskId, out var held))
        {
            var node = _nodes.FirstOrDefault(n => n.Name == held.Node);
            return new PlacementDecision(request.TaskId, held.Node, node?.Record.Id, "already placed");
        }

        var constraints = request.Constraints.Select(PlacementConstraint.Parse).ToList();
        var reasons = new SortedSet<string>(StringComparer.Ordinal);
        var ofService = _tasksPerService.GetValueOrDefault(request.ServiceId);
        NodeView? best = null;
        (int OfService, int All, string Name) bestLoad = default;
        foreach (var node in _nodes)
        {
            var why = Unsuitable(node, request, constraints);
            if (why is not null)
            {
                reasons.Add(why);
                continue;
            }

            var load = (ofService?.GetValueOrDefault(node.Name) ?? 0, _tasksPerNode.GetValueOrDefault(node.Name), node.Name);
            if (best is null || Lighter(load, bestLoad))
            {
                (best, bestLoad) = (node, load);
            }
        }

        if (best is null)
        {
            var detail = _nodes.Count == 0 ? "no nodes" : string.Join(", ", reasons);
            return new PlacementDecision(request.TaskId, null, null, $"no suitable node ({detail})");
        }

        var reservation = new Reservation(best.Name, request.ServiceId, request.NanoCpus, request.MemoryBytes);
        _reservations[request.TaskId] = reservation;
        Count(reservation, +1);
        return new PlacementDecision(request.TaskId, best.Name, best.Record.Id, "scheduled");
    }

    public bool Release(string taskId)
    {
        if (!_reservations.Remove(taskId, out var r))
        {
            return false;
        }

        Count(r, -1);
        return true;
    }

    private string? Unsuitable(NodeView node, PlacementRequest request, List<PlacementConstraint> constraints)
    {
        if (request.Node is not null && node.Name != request.Node)
        {
            return "not the requested node";
        }

        if (!node.Ready)
        {
            return "node is down";
        }

        if (node.Record.Availability != NodeAvailability.Active)
        {
            return $"node is {node.Record.Availability.ToString().ToLowerInvariant()}";
        }

        if (request.Runtime is { Length: > 0 } runtime && !node.Record.Description.Runtimes.Contains(runtime))
        {
            return $"runtime {runtime} not available";
        }

        if (constraints.FirstOrDefault(c => !c.IsSatisfiedBy(node.Record)) is { } failed)
        {
            return $"scheduling constraints not satisfied: {failed}";
        }

        if (request.NanoCpus <= 0 && request.MemoryBytes <= 0)
        {
            return null;
        }

        var (cpu, memory) = _reserved.GetValueOrDefault(node.Name);
        if (request.NanoCpus > 0 && cpu + request.NanoCpus > node.Record.Description.Cpus * 1_000_000_000L)
        {
            return "insufficient resources: CPU";
        }

        if (request.MemoryBytes > 0 && memory + request.MemoryBytes > node.Record.Description.MemoryBytes)
        {
            return "insufficient resources: memory";
        }

        return null;
    }

    /// <summary>Fewer tasks of the same service, then fewer in all, then the name (so that ties place the same way).</summary>
    private static bool Lighter((int OfService, int All, string Name) a, (int OfService, int All, string Name) b) =>
        a.OfService != b.OfService ? a.OfService < b.OfService
        : a.All != b.All ? a.All < b.All
        : string.CompareOrdinal(a.Name, b.Name) < 0;

    private void Count(Reservation r, int delta)
    {
        _tasksPerNode[r.Node] = _tasksPerNode.GetValueOrDefault(r.Node) + delta;
        if (!_tasksPerService.TryGetValue(r.ServiceId, out var ofService))
        {
            _tasksPerService[r.ServiceId] = ofService = new Dictionary<string, int>(StringComparer.Ordinal);
        }

        ofService[r.Node] = ofService.GetValueOrDefault(r.Node) + delta;
        var (cpu, memory) = _reserved.GetValueOrDefault(r.Node);
        _reserved[r.Node] = (cpu + delta * r.NanoCpus, memory + delta * r.MemoryBytes);
    }
}
