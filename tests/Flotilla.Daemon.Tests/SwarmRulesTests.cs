using Xunit;
using TaskScheduler = Flotilla.Grains.Scheduling.TaskScheduler;
using Flotilla.Grains;
using Flotilla.Grains.Scheduling;
using Flotilla.Grains.Services;
using Flotilla.Grains.Swarm;
using Flotilla.Grains.Tasks;

namespace Flotilla.Daemon.Tests;

/// <summary>The swarm's decisions as plain logic: the scheduler's filters and spread, the planner's reconciliation.</summary>
public sealed class SwarmRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static NodeView Node(string name, bool ready = true, NodeAvailability availability = NodeAvailability.Active,
        Dictionary<string, string>? labels = null, int cpus = 2, long memory = 1L << 30) =>
        new(new NodeRecord
        {
            Id = name + "-id",
            Description = new NodeDescription(name, "10.0.0.1", cpus, memory, ["linux"]),
            Availability = availability,
            Labels = labels ?? [],
        }, ready);

    private static PlacementRequest Request(string task, string service = "s", string[]? constraints = null, long cpu = 0, long memory = 0, string? runtime = null) =>
        new(task, service, constraints ?? [], cpu, memory, runtime);

    [Fact]
    public void SchedulerSpreadsAServiceAcrossNodes()
    {
        var scheduler = new TaskScheduler([Node("a"), Node("b"), Node("c")], []);
        var placed = Enumerable.Range(1, 6).Select(i => scheduler.Place(Request($"t{i}")).Node).ToList();
        Assert.Equal([2, 2, 2], placed.GroupBy(n => n).Select(g => g.Count()).ToList());
    }

    [Fact]
    public void Runs_of_alike_tasks_placed_together_go_where_one_by_one_would_send_them()
    {
        // Nodes of several sizes and labels, some down or drained, some already loaded; runs of several services
        // with and without reservations and constraints, one that exhausts its nodes' memory, and a task placed twice.
        var random = new Random(7);
        NodeView[] nodes = [.. Enumerable.Range(0, 40).Select(i => Node($"n{i:D2}", ready: i % 13 != 0,
            availability: i % 17 == 5 ? NodeAvailability.Drain : NodeAvailability.Active,
            labels: new() { ["zone"] = i % 3 == 0 ? "east" : "west" }, cpus: 1 + i % 4, memory: (1L + i % 3) << 30))];
        var held = new Dictionary<string, Reservation>(StringComparer.Ordinal);
        for (var i = 0; i < 60; i++)
        {
            held[$"old{i}"] = new Reservation(nodes[random.Next(nodes.Length)].Name, i % 2 == 0 ? "a" : "c", 0, 0);
        }

        List<PlacementRequest> requests = [
            .. Enumerable.Range(0, 90).Select(i => Request($"a{i}", "a")),
            .. Enumerable.Range(0, 50).Select(i => Request($"b{i}", "b", ["node.labels.zone==east"], cpu: 300_000_000)),
            .. Enumerable.Range(0, 80).Select(i => Request($"c{i}", "c", memory: 700L << 20)),
            Request("a3", "a"),
            .. Enumerable.Range(0, 5).Select(i => Request($"d{i}", "d", ["node.labels.zone==mars"])),
        ];

        var together = new TaskScheduler(nodes, new(held)).PlaceAll(requests);
        var alone = new TaskScheduler(nodes, new(held));
        Assert.Equal(requests.Select(alone.Place), together);
        Assert.Contains(together, d => d.Message.Contains("insufficient resources: memory"));
    }

    [Fact]
    public void SchedulerSkipsDownPausedDrainedAndUnfitNodesAndSaysWhy()
    {
        var scheduler = new TaskScheduler(
        [
            Node("down", ready: false),
            Node("paused", availability: NodeAvailability.Pause),
            Node("drained", availability: NodeAvailability.Drain),
            Node("small", memory: 100),
            Node("east", labels: new() { ["zone"] = "east" }),
        ], []);
        Assert.Equal("east", scheduler.Place(Request("t1", constraints: ["node.labels.zone==east"])).Node);
        var none = scheduler.Place(Request("t2", constraints: ["node.labels.zone==mars"], memory: 1000));
        Assert.Null(none.Node);
        Assert.StartsWith("no suitable node (", none.Message);
        Assert.Contains("node is down", none.Message);
        Assert.Contains("node is drain", none.Message);
        Assert.Contains("scheduling constraints not satisfied: node.labels.zone==mars", none.Message);
        Assert.Null(scheduler.Place(Request("t3", runtime: "kvm")).Node);
    }

    [Fact]
    public void ReservationsFillANodeAndAreGivenBack()
    {
        var scheduler = new TaskScheduler([Node("a", cpus: 1)], []);
        Assert.Equal("a", scheduler.Place(Request("t1", cpu: 600_000_000)).Node);
        Assert.Contains("insufficient resources: CPU", scheduler.Place(Request("t2", cpu: 600_000_000)).Message);
        Assert.True(scheduler.Release("t1"));
        Assert.Equal("a", scheduler.Place(Request("t2", cpu: 600_000_000)).Node);
    }

    [Theory]
    [InlineData("node.labels.zone")]
    [InlineData("zone==east")]
    [InlineData("node.labels.==x")]
    public void MalformedConstraintsAreRefused(string text) =>
        Assert.Equal(ErrorKind.InvalidInput, Assert.Throws<FlotillaException>(() => PlacementConstraint.Parse(text)).Kind);

    private static ServiceSpec Spec(long replicas = 3, RestartCondition restart = RestartCondition.Any, TimeSpan? delay = null, ServiceMode mode = ServiceMode.Replicated) => new()
    {
        Name = "web",
        Mode = mode,
        Replicas = replicas,
        Task = new TaskTemplate { Image = "busybox", RestartCondition = restart, RestartDelay = delay ?? TimeSpan.Zero },
    };

    private static TaskRecord TaskIn(string id, int slot, TaskState state, string? node = "a", long version = 1, DateTimeOffset? updated = null) => new()
    {
        Id = id,
        Slot = slot,
        State = state,
        Node = node,
        SpecVersion = version,
        DesiredState = state.IsFinal() ? TaskState.Shutdown : TaskState.Running,
        CreatedAt = updated ?? Now,
        UpdatedAt = updated ?? Now,
    };

    private static ServicePlan Plan(ServiceSpec spec, IReadOnlyCollection<TaskRecord> tasks, IReadOnlyList<NodeView>? nodes = null, long version = 1, UpdateStatus? update = null) =>
        ServicePlanner.Plan(new ServicePlanner.Input(spec, version, tasks, nodes ?? [Node("a"), Node("b")], Now, update, null));

    [Fact]
    public void EmptySlotsAreFilledAndExtraTasksShutDown()
    {
        var plan = Plan(Spec(replicas: 2), [TaskIn("t1", 1, TaskState.Running), TaskIn("t3", 3, TaskState.Running)]);
        Assert.Equal([(2, (string?)null)], plan.Create);
        Assert.Equal(["t3"], plan.Shutdown);
    }

    [Fact]
    public void TasksOnADownNodeAreOrphanedAndReplaced()
    {
        var plan = Plan(Spec(replicas: 1), [TaskIn("t1", 1, TaskState.Running, node: "b")], [Node("a"), Node("b", ready: false)]);
        Assert.Equal("t1", Assert.Single(plan.Orphan).TaskId);
        Assert.Equal([(1, (string?)null)], plan.Create);
    }

    [Fact]
    public void RestartPolicyAndDelayDecideWhetherAndWhenAnEndedTaskIsReplaced()
    {
        var failedJustNow = TaskIn("t1", 1, TaskState.Failed);
        Assert.Empty(Plan(Spec(1, RestartCondition.Any, TimeSpan.FromSeconds(5)), [failedJustNow]).Create);
        Assert.Equal(TimeSpan.FromSeconds(5), Plan(Spec(1, RestartCondition.Any, TimeSpan.FromSeconds(5)), [failedJustNow]).WakeAfter);
        Assert.Single(Plan(Spec(1, RestartCondition.Any), [failedJustNow]).Create);
        Assert.Empty(Plan(Spec(1, RestartCondition.OnFailure), [TaskIn("t1", 1, TaskState.Complete)]).Create);
        Assert.Empty(Plan(Spec(1, RestartCondition.None), [failedJustNow]).Create);
        // Rejections back off even with no restart delay.
        Assert.Empty(Plan(Spec(1), [TaskIn("r1", 1, TaskState.Rejected), TaskIn("r2", 1, TaskState.Rejected, updated: Now.AddSeconds(-1))]).Create);
    }

    [Fact]
    public void AGlobalServiceRunsOneTaskPerSchedulableNode()
    {
        var plan = Plan(Spec(mode: ServiceMode.Global), [TaskIn("t1", 0, TaskState.Running, node: "a")],
            [Node("a"), Node("b"), Node("c", availability: NodeAvailability.Pause)]);
        Assert.Equal([(0, (string?)"b")], plan.Create);
    }

    [Fact]
    public void AnUpdateReplacesOneTaskAtATimeAndAFailedNewTaskAsksForARollback()
    {
        var spec = Spec(replicas: 2) with { Update = new UpdatePolicy { Parallelism = 1, FailureAction = UpdateFailureAction.Rollback } };
        var started = new UpdateStatus(UpdateState.Updating, Now.AddSeconds(-10), null, "");
        var plan = Plan(spec, [TaskIn("t1", 1, TaskState.Running), TaskIn("t2", 2, TaskState.Running)], version: 2, update: started);
        Assert.Equal(["t1"], plan.Shutdown);
        Assert.Equal([(1, (string?)null)], plan.Create);

        var failing = Plan(spec, [TaskIn("n1", 1, TaskState.Rejected, version: 2), TaskIn("t2", 2, TaskState.Running)], version: 2, update: started);
        Assert.Equal(UpdateState.RollbackStarted, failing.NewUpdateState);
    }

    [Fact]
    public void TemplatesWithTheSameContentsAreEqualSoScalingReplacesNoTask()
    {
        TaskTemplate Make() => new() { Image = "busybox", Args = ["sleep", "1"], Env = ["A=1"], ContainerLabels = new() { ["k"] = "v" } };
        Assert.Equal(Make(), Make());
        Assert.NotEqual(Make(), Make() with { Env = ["A=2"] });
        Assert.NotEqual(Make(), Make() with { ForceUpdate = 1 });
    }

    [Fact]
    public void JoinTokensParseAndCompare()
    {
        var digest = JoinToken.Digest([1, 2, 3]);
        Assert.Equal(50, digest.Length);
        Assert.NotEqual(digest, JoinToken.Digest([1, 2, 4]));
        var token = JoinToken.Format(digest, "secret");
        Assert.Equal((digest, "secret"), JoinToken.Parse(token));
        Assert.Null(JoinToken.Parse("SWMTKN-1-abc"));
        Assert.Null(JoinToken.Parse("FLTKN-1-nosecret-"));
        Assert.True(JoinToken.SecretEquals("abc", "abc"));
        Assert.False(JoinToken.SecretEquals("abc", "abd"));
    }

    [Fact]
    public void ServiceSpecsAreValidated()
    {
        Assert.Throws<FlotillaException>(() => ServiceSpecRules.Validate(Spec(replicas: -1)));
        Assert.Throws<FlotillaException>(() => ServiceSpecRules.Validate(Spec() with { Name = "bad.name" }));
        Assert.Throws<FlotillaException>(() => ServiceSpecRules.Validate(Spec() with { Task = new TaskTemplate { Image = " " } }));
        ServiceSpecRules.Validate(Spec());
    }
}
