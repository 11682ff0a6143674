using Flotilla.Client.Models;
using Flotilla.Grains;
using Flotilla.Grains.Services;
using Flotilla.Grains.Swarm;
using Flotilla.Grains.Tasks;
using Domain = Flotilla.Grains.Services;

namespace Flotilla.Host.Api;

/// <summary>Between the swarm's domain (grains) and docker's wire format (SDK models). Durations are nanoseconds.</summary>
public static class SwarmViews
{
    public static SwarmInspect Swarm(SwarmInfo info) => new()
    {
        ID = info.ClusterId,
        Version = new ObjectVersion { Index = info.Version },
        CreatedAt = info.CreatedAt,
        UpdatedAt = info.UpdatedAt,
        JoinTokens = new JoinTokens { Worker = info.WorkerToken, Manager = info.ManagerToken },
        Spec = new SwarmSpec { CAConfig = new SwarmCaConfig { NodeCertExpiry = info.NodeCertExpiry.Ticks * 100 } },
    };

    public static SwarmNode Node(NodeView view)
    {
        var r = view.Record;
        var d = r.Description;
        return new SwarmNode
        {
            ID = r.Id,
            Version = new ObjectVersion { Index = r.Version },
            CreatedAt = r.CreatedAt,
            UpdatedAt = r.UpdatedAt,
            Spec = new Client.Models.NodeSpec { Labels = r.Labels, Role = Lower(r.Role), Availability = Lower(r.Availability) },
            Description = new Client.Models.NodeDescription
            {
                Hostname = d.Name,
                Platform = new NodePlatform { OS = d.Os, Architecture = d.Architecture },
                Resources = new NodeResources { NanoCPUs = d.Cpus * 1_000_000_000L, MemoryBytes = d.MemoryBytes },
                Engine = new NodeEngine
                {
                    EngineVersion = d.EngineVersion,
                    Plugins = [.. d.Runtimes.Select(name => new NodePluginDescription { Type = "Runtime", Name = name })],
                },
            },
            Status = new NodeStatus { State = view.Ready ? "ready" : "down", Addr = d.Address },
            ManagerStatus = r.Role == NodeRole.Manager
                ? new ManagerStatus { Reachability = view.Ready ? "reachable" : "unreachable", Addr = d.Address }
                : null,
        };
    }

    public static NodeUpdate NodeUpdate(Client.Models.NodeSpec spec, long? version) => new(
        Parse<NodeRole>(spec.Role, "Role", "worker or manager"),
        Parse<NodeAvailability>(spec.Availability, "Availability", "active, pause or drain"),
        spec.Labels,
        version);

    public static Client.Models.Service Service(ServiceView v) => new()
    {
        ID = v.Id,
        Version = new ObjectVersion { Index = v.Version },
        CreatedAt = v.CreatedAt,
        UpdatedAt = v.UpdatedAt,
        Spec = Spec(v.Spec),
        PreviousSpec = v.PreviousSpec is null ? null : Spec(v.PreviousSpec),
        UpdateStatus = v.UpdateStatus is { } u
            ? new ServiceUpdateStatus { State = UpdateStateWire(u.State), StartedAt = u.StartedAt, CompletedAt = u.CompletedAt, Message = u.Message }
            : null,
        ServiceStatus = new ServiceStatus { RunningTasks = v.RunningTasks, DesiredTasks = v.DesiredTasks },
        Endpoint = new ServiceEndpoint
        {
            Spec = new EndpointSpec { Ports = [.. v.Spec.Task.Ports.Select(Port)] },
            Ports = [.. (v.Endpoint?.Ports ?? v.Spec.Task.Ports).Select(Port)],
            VirtualIPs = [.. (v.Endpoint?.VirtualIps ?? []).Select(vip => new EndpointVirtualIP { NetworkID = vip.NetworkId, Addr = vip.Address })],
        },
    };

    public static SwarmTask Task(TaskRecord t, Func<string?, string> nodeId) => new()
    {
        ID = t.Id,
        Version = new ObjectVersion { Index = t.Version },
        CreatedAt = t.CreatedAt,
        UpdatedAt = t.UpdatedAt,
        Name = t.Name,
        ServiceID = t.ServiceId,
        Slot = t.Slot,
        NodeID = nodeId(t.Node),
        Spec = t.Template is null ? new TaskSpec() : TaskSpec(t.Template),
        DesiredState = t.DesiredState.Wire(),
        Status = new Client.Models.TaskStatus
        {
            Timestamp = t.UpdatedAt,
            State = t.State.Wire(),
            Message = t.Message,
            Err = t.Error,
            ContainerStatus = t.ContainerId is null ? null : new TaskContainerStatus { ContainerID = t.ContainerId, ExitCode = t.ExitCode ?? 0 },
        },
    };

    public static Client.Models.ServiceSpec Spec(Domain.ServiceSpec s) => new()
    {
        Name = s.Name,
        Labels = s.Labels,
        TaskTemplate = TaskSpec(s.Task),
        Mode = s.Mode == ServiceMode.Global
            ? new ServiceModeSpec { Global = new GlobalService() }
            : new ServiceModeSpec { Replicated = new ReplicatedService { Replicas = s.Replicas } },
        UpdateConfig = Update(s.Update),
        RollbackConfig = Update(s.Rollback),
        EndpointSpec = s.Task.Ports.Length > 0 ? new EndpointSpec { Ports = [.. s.Task.Ports.Select(Port)] } : null,
    };

    private static Client.Models.PortConfig Port(Domain.PortConfig p) =>
        new() { Protocol = p.Protocol, TargetPort = p.TargetPort, PublishedPort = p.PublishedPort, PublishMode = p.Mode };

    /// <summary>A published port of 0 lets the swarm pick one (ingress mode).</summary>
    private static Domain.PortConfig Port(Client.Models.PortConfig p) =>
        p.TargetPort > 0 && p.PublishedPort >= 0
            ? new(string.IsNullOrEmpty(p.Protocol) ? "tcp" : p.Protocol, p.TargetPort, p.PublishedPort, string.IsNullOrEmpty(p.PublishMode) ? Domain.PortConfig.Ingress : p.PublishMode)
            : throw FlotillaException.Invalid($"EndpointSpec.Ports: published port {p.PublishedPort} → target port {p.TargetPort}: give a target port (1-65535), and a published one or 0 for any free one.");

    public static Domain.ServiceSpec Spec(Client.Models.ServiceSpec s)
    {
        var t = s.TaskTemplate ?? throw FlotillaException.Invalid("The service spec has no TaskTemplate.");
        var c = t.ContainerSpec ?? throw FlotillaException.Invalid("The service spec has no TaskTemplate.ContainerSpec.");
        if (s.Mode.Global is not null && s.Mode.Replicated is not null)
        {
            throw FlotillaException.Invalid("A service is either replicated or global, not both (Mode).");
        }

        var restart = t.RestartPolicy;
        return new Domain.ServiceSpec
        {
            Name = s.Name,
            Labels = s.Labels ?? [],
            Mode = s.Mode.Global is not null ? ServiceMode.Global : ServiceMode.Replicated,
            Replicas = s.Mode.Replicated?.Replicas ?? 1,
            Update = Update(s.UpdateConfig, new UpdatePolicy()),
            Rollback = Update(s.RollbackConfig, new UpdatePolicy { FailureAction = UpdateFailureAction.Pause }),
            Task = new TaskTemplate
            {
                Image = c.Image,
                Command = c.Command?.ToArray(),
                Args = c.Args?.ToArray(),
                Env = [.. c.Env ?? []],
                WorkingDir = c.Dir,
                User = c.User,
                ContainerLabels = c.Labels ?? [],
                Mounts = [.. (c.Mounts ?? []).Select(Bind)],
                StopGracePeriod = c.StopGracePeriod is { } g ? Nanos(g) : TimeSpan.FromSeconds(10),
                Runtime = t.Runtime,
                LimitNanoCpus = t.Resources?.Limits?.NanoCPUs ?? 0,
                LimitMemoryBytes = t.Resources?.Limits?.MemoryBytes ?? 0,
                ReserveNanoCpus = t.Resources?.Reservations?.NanoCPUs ?? 0,
                ReserveMemoryBytes = t.Resources?.Reservations?.MemoryBytes ?? 0,
                RestartCondition = (restart?.Condition ?? "any") switch
                {
                    "any" or "" => RestartCondition.Any,
                    "on-failure" => RestartCondition.OnFailure,
                    "none" => RestartCondition.None,
                    var other => throw FlotillaException.Invalid($"RestartPolicy.Condition: '{other}' is not one of none, on-failure, any."),
                },
                RestartDelay = restart?.Delay is { } delay ? Nanos(delay) : TimeSpan.FromSeconds(5),
                RestartMaxAttempts = (int)(restart?.MaxAttempts ?? 0),
                Constraints = [.. t.Placement?.Constraints ?? []],
                ForceUpdate = t.ForceUpdate,
                Networks = [.. (t.Networks ?? []).Select(n => n.Target)],
                Ports = [.. (s.EndpointSpec?.Ports ?? []).Select(Port)],
            },
        };
    }

    private static TaskSpec TaskSpec(TaskTemplate t) => new()
    {
        ContainerSpec = new ContainerSpec
        {
            Image = t.Image,
            Labels = t.ContainerLabels,
            Command = t.Command?.ToList(),
            Args = t.Args?.ToList(),
            Env = [.. t.Env],
            Dir = t.WorkingDir,
            User = t.User,
            Mounts = [.. t.Mounts.Select(Mount)],
            StopGracePeriod = t.StopGracePeriod.Ticks * 100,
        },
        Resources = new ResourceRequirements
        {
            Limits = new ServiceResources { NanoCPUs = t.LimitNanoCpus, MemoryBytes = t.LimitMemoryBytes },
            Reservations = new ServiceResources { NanoCPUs = t.ReserveNanoCpus, MemoryBytes = t.ReserveMemoryBytes },
        },
        RestartPolicy = new RestartPolicy
        {
            Condition = t.RestartCondition switch { RestartCondition.None => "none", RestartCondition.OnFailure => "on-failure", _ => "any" },
            Delay = t.RestartDelay.Ticks * 100,
            MaxAttempts = t.RestartMaxAttempts,
        },
        Placement = new Placement { Constraints = [.. t.Constraints] },
        Runtime = t.Runtime,
        ForceUpdate = t.ForceUpdate,
        Networks = t.Networks.Length > 0 ? [.. t.Networks.Select(n => new NetworkAttachmentConfig { Target = n })] : null,
    };

    private static UpdateConfig Update(UpdatePolicy p) => new()
    {
        Parallelism = p.Parallelism,
        Delay = p.Delay.Ticks * 100,
        FailureAction = Lower(p.FailureAction),
        Monitor = p.Monitor.Ticks * 100,
    };

    private static UpdatePolicy Update(UpdateConfig? c, UpdatePolicy fallback) => c is null ? fallback : new UpdatePolicy
    {
        Parallelism = (int)c.Parallelism,
        Delay = Nanos(c.Delay),
        Monitor = c.Monitor > 0 ? Nanos(c.Monitor) : fallback.Monitor,
        FailureAction = c.FailureAction switch
        {
            "pause" or "" => UpdateFailureAction.Pause,
            "continue" => UpdateFailureAction.Continue,
            "rollback" => UpdateFailureAction.Rollback,
            var other => throw FlotillaException.Invalid($"UpdateConfig.FailureAction: '{other}' is not one of pause, continue, rollback."),
        },
    };

    /// <summary>Services take docker's mounts; containers take bind strings (what MountResolver reads).</summary>
    private static string Bind(ServiceMount m)
    {
        if (m.Type is not ("volume" or "bind"))
        {
            throw FlotillaException.Invalid($"Mount type '{m.Type}' is not supported for services; use volume or bind.");
        }

        if (string.IsNullOrEmpty(m.Source) || string.IsNullOrEmpty(m.Target))
        {
            throw FlotillaException.Invalid("A service mount needs a source and a target (source=NAME,target=/path).");
        }

        return $"{m.Source}:{m.Target}{(m.ReadOnly ? ":ro" : "")}";
    }

    private static ServiceMount Mount(string bind)
    {
        var parts = bind.Split(':');
        return new ServiceMount
        {
            Type = parts[0].StartsWith('/') ? "bind" : "volume",
            Source = parts[0],
            Target = parts.Length > 1 ? parts[1] : "",
            ReadOnly = parts.Length > 2 && parts[2] == "ro",
        };
    }

    private static string UpdateStateWire(UpdateState s) => s switch
    {
        UpdateState.RollbackStarted => "rollback_started",
        UpdateState.RollbackPaused => "rollback_paused",
        UpdateState.RollbackCompleted => "rollback_completed",
        _ => Lower(s),
    };

    private static TimeSpan Nanos(long ns) => TimeSpan.FromTicks(ns / 100);

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static T? Parse<T>(string? text, string field, string allowed) where T : struct, Enum =>
        string.IsNullOrEmpty(text) ? null
        : Enum.TryParse<T>(text, ignoreCase: true, out var value) ? value
        : throw FlotillaException.Invalid($"{field}: '{text}' is not one of {allowed}.");
}
