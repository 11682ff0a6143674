namespace Flotilla.Client.Models;

/// <summary>GET /nodes, /nodes/{id}.</summary>
public sealed class SwarmNode
{
    public string ID { get; set; } = "";
    public ObjectVersion Version { get; set; } = new();
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public NodeSpec Spec { get; set; } = new();
    public NodeDescription Description { get; set; } = new();
    public NodeStatus Status { get; set; } = new();
    public ManagerStatus? ManagerStatus { get; set; }
}

/// <summary>What users set on a node (POST /nodes/{id}/update takes the whole spec).</summary>
public sealed class NodeSpec
{
    public string? Name { get; set; }
    public Dictionary<string, string> Labels { get; set; } = [];
    /// <summary>"worker" or "manager".</summary>
    public string Role { get; set; } = "worker";
    /// <summary>"active", "pause" or "drain".</summary>
    public string Availability { get; set; } = "active";
}

public sealed class NodeDescription
{
    public string Hostname { get; set; } = "";
    public NodePlatform Platform { get; set; } = new();
    public NodeResources Resources { get; set; } = new();
    public NodeEngine Engine { get; set; } = new();
}

public sealed class NodePlatform
{
    public string Architecture { get; set; } = "";
    public string OS { get; set; } = "";
}

public sealed class NodeResources
{
    public long NanoCPUs { get; set; }
    public long MemoryBytes { get; set; }
}

public sealed class NodeEngine
{
    public string EngineVersion { get; set; } = "";
    public List<NodePluginDescription> Plugins { get; set; } = [];
}

public sealed class NodePluginDescription
{
    public string Type { get; set; } = "";
    public string Name { get; set; } = "";
}

public sealed class NodeStatus
{
    /// <summary>"ready" or "down".</summary>
    public string State { get; set; } = "";
    public string Message { get; set; } = "";
    public string Addr { get; set; } = "";
}

public sealed class ManagerStatus
{
    public bool Leader { get; set; }
    public string Reachability { get; set; } = "";
    public string Addr { get; set; } = "";
}
