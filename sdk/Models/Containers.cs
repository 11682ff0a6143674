namespace Flotilla.Client.Models;

// Docker Engine API shapes (v1.43) for containers. Property names are Docker's, PascalCase on the wire.

public sealed class ContainerCreateRequest
{
    public string? Hostname { get; set; }
    public string? User { get; set; }
    public bool AttachStdin { get; set; }
    public bool AttachStdout { get; set; }
    public bool AttachStderr { get; set; }
    public bool Tty { get; set; }
    public bool OpenStdin { get; set; }
    public bool StdinOnce { get; set; }
    public List<string>? Env { get; set; }
    public List<string>? Cmd { get; set; }
    public List<string>? Entrypoint { get; set; }
    public string Image { get; set; } = "";
    public string? WorkingDir { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public HostConfig? HostConfig { get; set; }
    public NetworkingConfig? NetworkingConfig { get; set; }
}

/// <summary>The container's settings per network it joins at creation, by network name.</summary>
public sealed class NetworkingConfig
{
    public Dictionary<string, EndpointSettings>? EndpointsConfig { get; set; }
}

public sealed class HostConfig
{
    public List<string>? Binds { get; set; }
    public long Memory { get; set; }
    public long NanoCpus { get; set; }
    public bool AutoRemove { get; set; }
    public string? Runtime { get; set; }
    public string? NetworkMode { get; set; }
    /// <summary>"80/tcp" → where it is published on the host.</summary>
    public Dictionary<string, List<PortBinding>>? PortBindings { get; set; }
    public List<Mount>? Mounts { get; set; }
    /// <summary>[height, width] of the container's terminal from its start (with Tty); docker API 1.42.</summary>
    public int[]? ConsoleSize { get; set; }
}

/// <summary>HostConfig.Mounts: the structured form of a mount ("bind", "volume" or "tmpfs"), beside Binds.</summary>
public sealed class Mount
{
    public string Type { get; set; } = "";
    public string? Source { get; set; }
    public string Target { get; set; } = "";
    public bool ReadOnly { get; set; }
    public TmpfsOptions? TmpfsOptions { get; set; }
}

public sealed class TmpfsOptions
{
    public long SizeBytes { get; set; }

    /// <summary>Permission bits of the tmpfs' root (docker's FileMode: 1023 is 01777).</summary>
    public int Mode { get; set; }
}

public sealed class ContainerCreateResponse
{
    public string Id { get; set; } = "";
    public List<string> Warnings { get; set; } = [];
}

public sealed class ContainerSummary
{
    public string Id { get; set; } = "";
    public List<string> Names { get; set; } = [];
    public string Image { get; set; } = "";
    public string ImageID { get; set; } = "";
    public string Command { get; set; } = "";
    public long Created { get; set; }
    public string State { get; set; } = "";
    public string Status { get; set; } = "";
    public Dictionary<string, string> Labels { get; set; } = [];
}

public sealed class ContainerState
{
    public string Status { get; set; } = "";
    public bool Running { get; set; }
    public bool Paused { get; set; }
    public bool Restarting { get; set; }
    public bool OOMKilled { get; set; }
    public bool Dead { get; set; }
    public int Pid { get; set; }
    public int ExitCode { get; set; }
    public string Error { get; set; } = "";
    public string StartedAt { get; set; } = "";
    public string FinishedAt { get; set; } = "";
}

public sealed class ContainerConfig
{
    public string? Hostname { get; set; }
    public string? User { get; set; }
    public bool AttachStdin { get; set; }
    public bool AttachStdout { get; set; }
    public bool AttachStderr { get; set; }
    public bool Tty { get; set; }
    public bool OpenStdin { get; set; }
    public List<string>? Env { get; set; }
    public List<string>? Cmd { get; set; }
    public List<string>? Entrypoint { get; set; }
    public string? Image { get; set; }
    public string? WorkingDir { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
}

public sealed class MountPoint
{
    public string Type { get; set; } = "";
    public string? Name { get; set; }
    public string Source { get; set; } = "";
    public string Destination { get; set; } = "";
    public string? Driver { get; set; }
    public bool RW { get; set; }
}

public sealed class ContainerInspect
{
    public string Id { get; set; } = "";
    public string Created { get; set; } = "";
    public string Path { get; set; } = "";
    public List<string> Args { get; set; } = [];
    public ContainerState State { get; set; } = new();
    public string Image { get; set; } = "";
    public string Name { get; set; } = "";
    public HostConfig HostConfig { get; set; } = new();
    public ContainerConfig Config { get; set; } = new();
    public List<MountPoint> Mounts { get; set; } = [];
    public NetworkSettings NetworkSettings { get; set; } = new();
}

public sealed class WaitError
{
    public string? Message { get; set; }
}

public sealed class ContainerWaitResponse
{
    public int StatusCode { get; set; }
    public WaitError? Error { get; set; }
}

public sealed class ExecCreateRequest
{
    public bool AttachStdin { get; set; }
    public bool AttachStdout { get; set; } = true;
    public bool AttachStderr { get; set; } = true;
    public bool Tty { get; set; }
    public List<string>? Env { get; set; }
    public List<string>? Cmd { get; set; }
    public string? WorkingDir { get; set; }
    public string? User { get; set; }
    /// <summary>[height, width] of the exec's terminal from its start (with Tty).</summary>
    public int[]? ConsoleSize { get; set; }
}

public sealed class ExecCreateResponse
{
    public string Id { get; set; } = "";
}

public sealed class ExecInspect
{
    public string ID { get; set; } = "";
    public string ContainerID { get; set; } = "";
    public bool Running { get; set; }
    public int? ExitCode { get; set; }
    public bool OpenStdin { get; set; }
}
