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
    public SwarmCaConfig CAConfig { get; set; } = new();
}

public sealed class SwarmCaConfig
{
    /// <summary>How long node certificates are valid, in nanoseconds.</summary>
    public long NodeCertExpiry { get; set; }
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
    /// <summary>PEM certificate signing request for the node's own key; omitted only for a hosted node (no daemon, no silo).</summary>
    public string? Csr { get; set; }
}

public sealed class SwarmAdmitResponse
{
    public string ClusterID { get; set; } = "";
    public string DataStore { get; set; } = "";
    public string Role { get; set; } = "";
    public string NodeID { get; set; } = "";
    /// <summary>The node's certificate (PEM), signed by the cluster CA.</summary>
    public string? Certificate { get; set; }
    public string CaCertificate { get; set; } = "";
    /// <summary>The CA's key (PEM), for a node admitted as a manager only.</summary>
    public string? CaKey { get; set; }
}

/// <summary>Flotilla's own: a node asks a manager (over mutual TLS, with its current certificate) to sign a new one.</summary>
public sealed class SwarmRenewRequest
{
    public string Csr { get; set; } = "";
}

public sealed class SwarmRenewResponse
{
    public string Certificate { get; set; } = "";
    /// <summary>The CA's key (PEM), for a node that the swarm now makes a manager.</summary>
    public string? CaKey { get; set; }
}
