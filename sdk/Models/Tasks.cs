namespace Flotilla.Client.Models;

/// <summary>GET /tasks, /tasks/{id}.</summary>
public sealed class SwarmTask
{
    public string ID { get; set; } = "";
    public ObjectVersion Version { get; set; } = new();
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string Name { get; set; } = "";
    public string ServiceID { get; set; } = "";
    public long Slot { get; set; }
    public string NodeID { get; set; } = "";
    public TaskSpec Spec { get; set; } = new();
    public TaskStatus Status { get; set; } = new();
    public string DesiredState { get; set; } = "";
}

public sealed class TaskStatus
{
    public DateTimeOffset Timestamp { get; set; }
    public string State { get; set; } = "";
    public string Message { get; set; } = "";
    public string? Err { get; set; }
    public TaskContainerStatus? ContainerStatus { get; set; }
}

public sealed class TaskContainerStatus
{
    public string ContainerID { get; set; } = "";
    public int ExitCode { get; set; }
}
