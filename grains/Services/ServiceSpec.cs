namespace Flotilla.Grains.Services;

/// <summary>What the user asked a service to be (docker's ServiceSpec, the parts Flotilla honours).</summary>
[GenerateSerializer, Immutable]
public sealed record ServiceSpec
{
    [Id(0)] public required string Name { get; init; }
    [Id(1)] public Dictionary<string, string> Labels { get; init; } = new();
    [Id(2)] public required TaskTemplate Task { get; init; }
    [Id(3)] public ServiceMode Mode { get; init; } = ServiceMode.Replicated;
    /// <summary>Replicated mode only.</summary>
    [Id(4)] public long Replicas { get; init; } = 1;
    [Id(5)] public UpdatePolicy Update { get; init; } = new();
    [Id(6)] public UpdatePolicy Rollback { get; init; } = new() { FailureAction = UpdateFailureAction.Pause };
}

public enum ServiceMode
{
    Replicated,
    Global,
}

/// <summary>How each task of a service runs: its container, resources, restart policy and placement.</summary>
[GenerateSerializer, Immutable]
public sealed record TaskTemplate
{
    [Id(0)] public required string Image { get; init; }
    /// <summary>Replaces the image's entrypoint (docker's ContainerSpec.Command).</summary>
    [Id(1)] public string[]? Command { get; init; }
    [Id(2)] public string[]? Args { get; init; }
    [Id(3)] public string[] Env { get; init; } = [];
    [Id(4)] public string? WorkingDir { get; init; }
    [Id(5)] public string? User { get; init; }
    /// <summary>docker's bind strings ("volume:/dst", "/host:/dst:ro").</summary>
    [Id(6)] public string[] Mounts { get; init; } = [];
    [Id(7)] public string? Runtime { get; init; }
    [Id(8)] public long ReserveNanoCpus { get; init; }
    [Id(9)] public long ReserveMemoryBytes { get; init; }
    [Id(10)] public long LimitNanoCpus { get; init; }
    [Id(11)] public long LimitMemoryBytes { get; init; }
    [Id(12)] public RestartCondition RestartCondition { get; init; } = RestartCondition.Any;
    [Id(13)] public TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>0: no limit.</summary>
    [Id(14)] public int RestartMaxAttempts { get; init; }
    [Id(15)] public string[] Constraints { get; init; } = [];
    [Id(16)] public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(10);
    [Id(17)] public Dictionary<string, string> ContainerLabels { get; init; } = new();
    /// <summary>Bumped by <c>service update --force</c>: a new spec that changes nothing else still replaces every task.</summary>
    [Id(18)] public long ForceUpdate { get; init; }
    /// <summary>Overlay networks (names or ids) its tasks join, in order: the first carries its virtual IP; or the
    /// swarm's predefined "none" or "host" alone, which give its containers no network or the node's own.</summary>
    [Id(19)] public string[] Networks { get; init; } = [];
    /// <summary>docker's EndpointSpec.Ports: published ports (a change replaces the tasks, as docker's does).</summary>
    [Id(20)] public PortConfig[] Ports { get; init; } = [];

    /// <summary>Its tasks get overlay addresses: it names networks, or publishes through the routing mesh.</summary>
    public bool Networked => Networks.Any(n => !IsPredefined(n)) || Ports.Any(p => p.Mode == PortConfig.Ingress);

    /// <summary>The container's network mode when the service is on "none" or "host"; null otherwise.</summary>
    public string? PredefinedNetwork => Networks is [var only] && IsPredefined(only) ? only : null;

    public static bool IsPredefined(string network) => network is "none" or "host";

    /// <summary>
    /// By value, arrays and maps included: a spec that comes back through the API with the same contents must not
    /// count as a change (it would roll every task over).
    /// </summary>
    public bool Equals(TaskTemplate? other) =>
        other is not null
        && Image == other.Image && WorkingDir == other.WorkingDir && User == other.User && Runtime == other.Runtime
        && Same(Command, other.Command) && Same(Args, other.Args) && Env.SequenceEqual(other.Env) && Mounts.SequenceEqual(other.Mounts)
        && Constraints.SequenceEqual(other.Constraints) && Same(ContainerLabels, other.ContainerLabels)
        && Networks.SequenceEqual(other.Networks) && Ports.SequenceEqual(other.Ports)
        && ReserveNanoCpus == other.ReserveNanoCpus && ReserveMemoryBytes == other.ReserveMemoryBytes
        && LimitNanoCpus == other.LimitNanoCpus && LimitMemoryBytes == other.LimitMemoryBytes
        && RestartCondition == other.RestartCondition && RestartDelay == other.RestartDelay && RestartMaxAttempts == other.RestartMaxAttempts
        && StopGracePeriod == other.StopGracePeriod && ForceUpdate == other.ForceUpdate;

    public override int GetHashCode() => HashCode.Combine(Image, ForceUpdate, Env.Length, Args?.Length);

    private static bool Same(string[]? a, string[]? b) => a is null ? b is null : b is not null && a.SequenceEqual(b);

    private static bool Same(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}

public enum RestartCondition
{
    None,
    OnFailure,
    Any,
}

public enum UpdateFailureAction
{
    Pause,
    Continue,
    Rollback,
}

/// <summary>How a changed spec rolls out: <see cref="Parallelism"/> tasks at a time, <see cref="Delay"/> apart.</summary>
[GenerateSerializer, Immutable]
public sealed record UpdatePolicy
{
    /// <summary>0: all at once.</summary>
    [Id(0)] public int Parallelism { get; init; } = 1;
    [Id(1)] public TimeSpan Delay { get; init; }
    [Id(2)] public UpdateFailureAction FailureAction { get; init; } = UpdateFailureAction.Pause;
    /// <summary>How long a new task must keep running before it counts as a success.</summary>
    [Id(3)] public TimeSpan Monitor { get; init; } = TimeSpan.FromSeconds(5);
}
