using System.Text.Json.Serialization;

namespace Flotilla.Client.Models;

public sealed class ErrorResponse
{
    [JsonPropertyName("message")]
    public string Message { get; set; } = "";
}

public sealed class VersionResponse
{
    public string Version { get; set; } = "";
    public string ApiVersion { get; set; } = "";
    public string MinAPIVersion { get; set; } = "";
    public string GitCommit { get; set; } = "";
    public string GoVersion { get; set; } = "";
    public string Os { get; set; } = "";
    public string Arch { get; set; } = "";
    public string KernelVersion { get; set; } = "";
    public List<ComponentVersion> Components { get; set; } = [];
}

/// <summary>One server component in /version (the daemon itself, its OCI runtime, ...).</summary>
public sealed class ComponentVersion
{
    public string Name { get; set; } = "";
    public string Version { get; set; } = "";
    public Dictionary<string, string>? Details { get; set; }
}

public sealed class RuntimeInfo
{
    [JsonPropertyName("path")]
    public string Path { get; set; } = "";

    /// <summary>As docker's: facts about the runtime; Flotilla sets "unavailable" to why this host cannot use it.</summary>
    [JsonPropertyName("status")]
    public Dictionary<string, string>? Status { get; set; }
}

public sealed class PluginsInfo
{
    public List<string> Volume { get; set; } = [];
    public List<string> Network { get; set; } = [];
    public List<string>? Authorization { get; set; }
    public List<string> Log { get; set; } = [];
}

public sealed class SystemInfo
{
    public string ID { get; set; } = "";
    public string Name { get; set; } = "";
    public int Containers { get; set; }
    public int ContainersRunning { get; set; }
    public int ContainersPaused { get; set; }
    public int ContainersStopped { get; set; }
    public int Images { get; set; }
    public string Driver { get; set; } = "";
    public string DockerRootDir { get; set; } = "";
    public string OperatingSystem { get; set; } = "";
    public string OSType { get; set; } = "";
    public string Architecture { get; set; } = "";
    public int NCPU { get; set; }
    public long MemTotal { get; set; }
    public string KernelVersion { get; set; } = "";
    public string ServerVersion { get; set; } = "";
    public string CgroupDriver { get; set; } = "";
    public string CgroupVersion { get; set; } = "";
    public string DefaultRuntime { get; set; } = "";
    public Dictionary<string, RuntimeInfo> Runtimes { get; set; } = [];
    public List<string> Warnings { get; set; } = [];
    public PluginsInfo Plugins { get; set; } = new();
    public SwarmLocalInfo Swarm { get; set; } = new();
}
