using System.Text.Json;
using System.Text.Json.Serialization;
using Flotilla.Plugins;

namespace Flotilla.Network;

/// <summary>Everything the driver made, on disk: the kernel state is rebuilt from it after a restart.</summary>
public sealed class NetworkState
{
    public List<NetworkRecord> Networks { get; set; } = [];

    public List<SandboxRecord> Sandboxes { get; set; } = [];

    /// <summary>The swarm's last overlay plan for this node: DNS names and balancing hold across a restart until the
    /// next one comes.</summary>
    public OverlayPlan Plan { get; set; } = OverlayPlan.Empty;

    public static NetworkState Load(string file) =>
        File.Exists(file) ? JsonSerializer.Deserialize(File.ReadAllBytes(file), NetworkJsonContext.Default.NetworkState) ?? new() : new();

    /// <summary>Written whole to a temporary file, then renamed: a crash leaves the old state or the new one.</summary>
    public void Save(string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var temp = file + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(this, NetworkJsonContext.Default.NetworkState));
        File.Move(temp, file, overwrite: true);
    }
}

public sealed class NetworkRecord
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    /// <summary>"bridge" (this node's own) or "overlay" (the swarm's, spanning nodes; made and removed by its plan).</summary>
    public string Driver { get; set; } = "bridge";
    public string Subnet { get; set; } = "";
    public string Gateway { get; set; } = "";
    /// <summary>Names the bridge (PREFIX-INDEX); never re-used while the network exists.</summary>
    public int Index { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public Dictionary<string, string> Labels { get; set; } = new();
    /// <summary>Addresses handed out; one is free again only when its endpoint is gone.</summary>
    public List<string> Allocated { get; set; } = [];
    /// <summary>Overlay only: its VXLAN network identifier.</summary>
    public int Vni { get; set; }
    /// <summary>Overlay only: this node's own address on it, with the prefix length.</summary>
    public string? NodeAddress { get; set; }
    /// <summary>Overlay only: the peers (underlay addresses) its VXLAN device floods to.</summary>
    public List<string> Peers { get; set; } = [];
    /// <summary>The last address handed out: the next search starts after it, so a freed address rests before re-use.</summary>
    public string? LastAllocated { get; set; }
}

/// <summary>One container's network namespace, its endpoints and its published ports.</summary>
public sealed class SandboxRecord
{
    public string ContainerId { get; set; } = "";
    public string Path { get; set; } = "";
    public List<EndpointRecord> Endpoints { get; set; } = [];
    public List<PortRecord> Ports { get; set; } = [];
}

public sealed class EndpointRecord
{
    public string NetworkId { get; set; } = "";
    public string ContainerName { get; set; } = "";
    /// <summary>eth0, eth1, … inside the container; also the host veth's last character.</summary>
    public int Slot { get; set; }
    public string Address { get; set; } = "";
    /// <summary>More names for the container in this network's DNS (--network-alias).</summary>
    public List<string> Aliases { get; set; } = [];
}

public sealed class PortRecord
{
    public int HostPort { get; set; }
    public int ContainerPort { get; set; }
    public string Protocol { get; set; } = "tcp";
}

[JsonSerializable(typeof(NetworkState))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class NetworkJsonContext : JsonSerializerContext;
