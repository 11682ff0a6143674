namespace Flotilla.Client.Models;

/// <summary>POST /swarm/init. <see cref="DataStore"/> is Flotilla's: the PostgreSQL connection string the swarm
/// keeps its state in (omit it when flotillad was started with --cluster-db).</summary>
public sealed class SwarmInitRequest
{
    public string ListenAddr { get; set; } = "0.0.0.0:2377";
    public string? AdvertiseAddr { get; set; }
    public string? DataStore { get; set; }
    public bool ForceNewCluster { get; set; }
}

/// <summary>POST /swarm/join.</summary>
public sealed class SwarmJoinRequest
{
    public string ListenAddr { get; set; } = "0.0.0.0:2377";
    public string? AdvertiseAddr { get; set; }
    public List<string> RemoteAddrs { get; set; } = [];
    public string JoinToken { get; set; } = "";
}

public sealed class JoinTokens
{
    public string Worker { get; set; } = "";
    public string Manager { get; set; } = "";
}

public sealed class ObjectVersion
{
    public long Index { get; set; }
}

/// <summary>GET /swarm.</summary>
public sealed class SwarmInspect
{
    public string ID { get; set; } = "";
    public ObjectVersion Version { get; set; } = new();
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public SwarmSpec Spec { get; set; } = new();
    public JoinTokens JoinTokens { get; set; } = new();
}

public sealed class SwarmSpec
{
    public string Name { get; set; } = "default";
}

/// <summary>The swarm part of GET /info.</summary>
public sealed class SwarmLocalInfo
{
    public string NodeID { get; set; } = "";
    public string NodeAddr { get; set; } = "";
    /// <summary>"inactive", "pending", "active", "error" or "locked".</summary>
    public string LocalNodeState { get; set; } = "inactive";
    public bool ControlAvailable { get; set; }
    public string Error { get; set; } = "";
    public int Nodes { get; set; }
    public int Managers { get; set; }
    public SwarmClusterInfo? Cluster { get; set; }
    /// <summary>Where nodes join: each manager's address and swarm port.</summary>
    public List<RemoteManager> RemoteManagers { get; set; } = [];
}

public sealed class RemoteManager
{
    public string NodeID { get; set; } = "";
    public string Addr { get; set; } = "";
}

public sealed class SwarmClusterInfo
{
    public string ID { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Flotilla's own: what a manager answers a node that presents a valid join token.</summary>
public sealed class SwarmAdmitRequest
{
    public string JoinToken { get; set; } = "";
    public string NodeName { get; set; } = "";
    public string Address { get; set; } = "";
    public int Cpus { get; set; }
    public long MemoryBytes { get; set; }
    public List<string> Runtimes { get; set; } = [];
    /// <summary>Set for a node without a daemon of its own: the node whose daemon runs its tasks.</summary>
    public string? HostedBy { get; set; }
}

public sealed class SwarmAdmitResponse
{
    public string ClusterID { get; set; } = "";
    public string DataStore { get; set; } = "";
    public string Role { get; set; } = "";
}
