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

            var load = Load(node, ofService);
            if (best is null || Lighter(load, bestLoad))
            {
                (best, bestLoad) = (node, load);
            }
        }

        return best is null ? NoSuitableNode(request, reasons) : Reserve(request, best);
    }

    /// <summary>
    /// Places <paramref name="requests"/> in order, with the same decisions as <see cref="Place"/> one by one. A run of
    /// tasks that ask for the same thing (a service's new replicas) is placed as swarmkit places a group of identical
    /// tasks: the nodes are filtered once for the run, and a heap of their loads hands each task the lightest node, so
    /// a run costs O(nodes + tasks · log nodes) instead of O(nodes · tasks).
    /// </summary>
    public IReadOnlyList<PlacementDecision> PlaceAll(IReadOnlyList<PlacementRequest> requests)
    {
        var decisions = new List<PlacementDecision>(requests.Count);
        var start = 0;
        while (start < requests.Count)
        {
            var end = start + 1;
            while (end < requests.Count && SameAsk(requests[start], requests[end]))
            {
                end++;
            }

            if (end - start == 1 || requests[start].Node is not null)
            {
                decisions.AddRange(Enumerable.Range(start, end - start).Select(i => Place(requests[i])));
            }
            else
            {
                PlaceRun(requests, start, end, decisions);
            }

            start = end;
        }

        return decisions;
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

    private void PlaceRun(IReadOnlyList<PlacementRequest> requests, int start, int end, List<PlacementDecision> decisions)
    {
        var ask = requests[start];
        var constraints = ask.Constraints.Select(PlacementConstraint.Parse).ToList();
        var reasons = new SortedSet<string>(StringComparer.Ordinal);
        var ofService = _tasksPerService.GetValueOrDefault(ask.ServiceId);
        var lightest = new PriorityQueue<NodeView, (int OfService, int All, string Name)>(Comparer<(int OfService, int All, string Name)>.Create(
            (a, b) => Lighter(a, b) ? -1 : Lighter(b, a) ? 1 : 0));
        foreach (var node in _nodes)
        {
            if (Unfit(node, ask, constraints) is { } why)
            {
                reasons.Add(why);
            }
            else
            {
                lightest.Enqueue(node, Load(node, ofService));
            }
        }

        for (var i = start; i < end; i++)
        {
            var request = requests[i];
            if (_reservations.ContainsKey(request.TaskId))
            {
                decisions.Add(Place(request));
                continue;
            }

            // Reservations only grow during a run: a node that can't fit one more task of it can't fit any later one.
            NodeView? best = null;
            while (best is null && lightest.TryDequeue(out var node, out _))
            {
                if (Short(node, ask) is { } why)
                {
                    reasons.Add(why);
                }
                else
                {
                    best = node;
                }
            }

            if (best is null)
            {
                decisions.Add(NoSuitableNode(request, reasons));
                continue;
            }

            decisions.Add(Reserve(request, best));
            ofService ??= _tasksPerService[request.ServiceId];
            lightest.Enqueue(best, Load(best, ofService));
        }
    }

    private PlacementDecision Reserve(PlacementRequest request, NodeView node)
    {
        var reservation = new Reservation(node.Name, request.ServiceId, request.NanoCpus, request.MemoryBytes);
        _reservations[request.TaskId] = reservation;
        Count(reservation, +1);
        return new PlacementDecision(request.TaskId, node.Name, node.Record.Id, "scheduled");
    }

    private PlacementDecision NoSuitableNode(PlacementRequest request, SortedSet<string> reasons) =>
        new(request.TaskId, null, null, $"no suitable node ({(_nodes.Count == 0 ? "no nodes" : string.Join(", ", reasons))})");

    private (int OfService, int All, string Name) Load(NodeView node, Dictionary<string, int>? ofService) =>
        (ofService?.GetValueOrDefault(node.Name) ?? 0, _tasksPerNode.GetValueOrDefault(node.Name), node.Name);

    private static bool SameAsk(PlacementRequest a, PlacementRequest b) =>
        a.ServiceId == b.ServiceId && a.NanoCpus == b.NanoCpus && a.MemoryBytes == b.MemoryBytes && a.Runtime == b.Runtime
        && a.Node == b.Node && a.Constraints.AsSpan().SequenceEqual(b.Constraints);

    private string? Unsuitable(NodeView node, PlacementRequest request, List<PlacementConstraint> constraints) =>
        Unfit(node, request, constraints) ?? Short(node, request);

    /// <summary>Why the node can't take the task whatever is reserved on it.</summary>
    private static string? Unfit(NodeView node, PlacementRequest request, List<PlacementConstraint> constraints)
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

        return null;
    }

    /// <summary>Why what is already reserved on the node leaves no room for the task.</summary>
    private string? Short(NodeView node, PlacementRequest request)
    {
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
