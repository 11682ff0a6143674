namespace Flotilla.Client.Models;

/// <summary>docker's ServiceSpec: POST /services/create and /services/{id}/update take it whole.</summary>
public sealed class ServiceSpec
{
    public string Name { get; set; } = "";
    public Dictionary<string, string> Labels { get; set; } = [];
    public TaskSpec TaskTemplate { get; set; } = new();
    public ServiceModeSpec Mode { get; set; } = new();
    public UpdateConfig? UpdateConfig { get; set; }
    public UpdateConfig? RollbackConfig { get; set; }
    public EndpointSpec? EndpointSpec { get; set; }
}

public sealed class TaskSpec
{
    public ContainerSpec ContainerSpec { get; set; } = new();
    public ResourceRequirements? Resources { get; set; }
    public RestartPolicy? RestartPolicy { get; set; }
    public Placement? Placement { get; set; }
    /// <summary>Flotilla's: the runtime plugin to run the task's container with ("linux", "kvm"…).</summary>
    public string? Runtime { get; set; }
    public long ForceUpdate { get; set; }
    /// <summary>Overlay networks the tasks join; the first carries the service's virtual IP.</summary>
    public List<NetworkAttachmentConfig>? Networks { get; set; }
}

public sealed class NetworkAttachmentConfig
{
    /// <summary>The network's name or id.</summary>
    public string Target { get; set; } = "";
    public List<string>? Aliases { get; set; }
}

public sealed class ContainerSpec
{
    public string Image { get; set; } = "";
    public Dictionary<string, string> Labels { get; set; } = [];
    public List<string>? Command { get; set; }
    public List<string>? Args { get; set; }
    public List<string>? Env { get; set; }
    public string? Dir { get; set; }
    public string? User { get; set; }
    public List<ServiceMount>? Mounts { get; set; }
    /// <summary>Nanoseconds.</summary>
    public long? StopGracePeriod { get; set; }
}

public sealed class ServiceMount
{
    /// <summary>"volume" or "bind".</summary>
    public string Type { get; set; } = "volume";
    public string Source { get; set; } = "";
    public string Target { get; set; } = "";
    public bool ReadOnly { get; set; }
}

public sealed class ResourceRequirements
{
    public ServiceResources? Limits { get; set; }
    public ServiceResources? Reservations { get; set; }
}

public sealed class ServiceResources
{
    public long NanoCPUs { get; set; }
    public long MemoryBytes { get; set; }
}

public sealed class RestartPolicy
{
    /// <summary>"none", "on-failure" or "any".</summary>
    public string Condition { get; set; } = "any";
    /// <summary>Nanoseconds.</summary>
    public long? Delay { get; set; }
    public long MaxAttempts { get; set; }
}

public sealed class Placement
{
    public List<string> Constraints { get; set; } = [];
}

public sealed class ServiceModeSpec
{
    public ReplicatedService? Replicated { get; set; }
    public GlobalService? Global { get; set; }
}

public sealed class ReplicatedService
{
    public long? Replicas { get; set; }
}

public sealed class GlobalService
{
}

public sealed class UpdateConfig
{
    public long Parallelism { get; set; } = 1;
    /// <summary>Nanoseconds.</summary>
    public long Delay { get; set; }
    /// <summary>"pause", "continue" or "rollback".</summary>
    public string FailureAction { get; set; } = "pause";
    /// <summary>Nanoseconds.</summary>
    public long Monitor { get; set; }
    public string Order { get; set; } = "stop-first";
}

public sealed class EndpointSpec
{
    public List<PortConfig> Ports { get; set; } = [];
}

public sealed class PortConfig
{
    public string Protocol { get; set; } = "tcp";
    public int TargetPort { get; set; }
    public int PublishedPort { get; set; }
    public string PublishMode { get; set; } = "ingress";
}

/// <summary>GET /services, /services/{id}.</summary>
public sealed class Service
{
    public string ID { get; set; } = "";
    public ObjectVersion Version { get; set; } = new();
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public ServiceSpec Spec { get; set; } = new();
    public ServiceSpec? PreviousSpec { get; set; }
    public ServiceUpdateStatus? UpdateStatus { get; set; }
    public ServiceStatus? ServiceStatus { get; set; }
    public ServiceEndpoint? Endpoint { get; set; }
}

/// <summary>Where a service is reached: its published ports and its virtual IP on each network.</summary>
public sealed class ServiceEndpoint
{
    public EndpointSpec Spec { get; set; } = new();
    public List<PortConfig> Ports { get; set; } = [];
    public List<EndpointVirtualIP> VirtualIPs { get; set; } = [];
}

public sealed class EndpointVirtualIP
{
    public string NetworkID { get; set; } = "";
    /// <summary>With the prefix length ("10.255.0.2/32").</summary>
    public string Addr { get; set; } = "";
}

public sealed class ServiceUpdateStatus
{
    /// <summary>"updating", "paused", "completed", "rollback_started", "rollback_paused", "rollback_completed".</summary>
    public string State { get; set; } = "";
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public string Message { get; set; } = "";
}

public sealed class ServiceStatus
{
    public long RunningTasks { get; set; }
    public long DesiredTasks { get; set; }
}

public sealed class ServiceCreateResponse
{
    public string ID { get; set; } = "";
    public List<string> Warnings { get; set; } = [];
}

public sealed class ServiceUpdateResponse
{
    public List<string> Warnings { get; set; } = [];
}
