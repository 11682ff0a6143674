using Flotilla.Grains.Swarm;

namespace Flotilla.Grains.Scheduling;

/// <summary>
/// Chooses a node for each task, as swarmkit's scheduler does: filter out nodes that are down, paused or drained,
/// lack the runtime, fail a constraint or can't fit the reservation; of the rest, take the one with the fewest tasks
/// of the same service, then the fewest tasks in all (spread). Plain logic over a snapshot, so it is easy to test.
/// </summary>
public sealed class TaskScheduler
{
    private readonly IReadOnlyList<NodeView> _nodes;
    private readonly Dictionary<string, Reservation> _reservations;
    private readonly Dictionary<string, int> _tasksPerNode = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Node, string Service), int> _tasksPerService = new();
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

    public PlacementDecision Place(PlacementRequest request)
    {
        if (_reservations.TryGetValue(request.TaskId, out var held))
        {
            var node = _nodes.FirstOrDefault(n => n.Name == held.Node);
            return new PlacementDecision(request.TaskId, held.Node, node?.Record.Id, "already placed");
        }

        var constraints = request.Constraints.Select(PlacementConstraint.Parse).ToList();
        var reasons = new SortedSet<string>(StringComparer.Ordinal);
        NodeView? best = null;
        foreach (var node in _nodes)
        {
            var why = Unsuitable(node, request, constraints);
            if (why is not null)
            {
                reasons.Add(why);
                continue;
            }

            if (best is null || Better(node, best, request.ServiceId))
            {
                best = node;
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

    private bool Better(NodeView candidate, NodeView best, string serviceId)
    {
        var a = _tasksPerService.GetValueOrDefault((candidate.Name, serviceId));
        var b = _tasksPerService.GetValueOrDefault((best.Name, serviceId));
        if (a != b)
        {
            return a < b;
        }

        var ta = _tasksPerNode.GetValueOrDefault(candidate.Name);
        var tb = _tasksPerNode.GetValueOrDefault(best.Name);
        return ta != tb ? ta < tb : string.CompareOrdinal(candidate.Name, best.Name) < 0;
    }

    private void Count(Reservation r, int delta)
    {
        _tasksPerNode[r.Node] = _tasksPerNode.GetValueOrDefault(r.Node) + delta;
        _tasksPerService[(r.Node, r.ServiceId)] = _tasksPerService.GetValueOrDefault((r.Node, r.ServiceId)) + delta;
        var (cpu, memory) = _reserved.GetValueOrDefault(r.Node);
        _reserved[r.Node] = (cpu + delta * r.NanoCpus, memory + delta * r.MemoryBytes);
    }
}
