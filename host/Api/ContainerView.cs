using Flotilla.Client.Models;
using Flotilla.Grains.Containers;

namespace Flotilla.Host.Api;

/// <summary>How docker shows a container: the API's summary and inspect shapes, and its human status texts.</summary>
public static class ContainerView
{
    public static string State(ContainerRecord r) => r.Status switch
    {
        ContainerLifecycle.Created => "created",
        ContainerLifecycle.Running => "running",
        ContainerLifecycle.Exited => "exited",
        ContainerLifecycle.Removing => "removing",
        _ => "dead",
    };

    public static string StatusText(ContainerRecord r, DateTimeOffset now) => r.Status switch
    {
        ContainerLifecycle.Running => "Up " + Human(now - (r.StartedAt ?? now)),
        ContainerLifecycle.Exited => $"Exited ({r.ExitCode}) {Human(now - (r.FinishedAt ?? now))} ago",
        ContainerLifecycle.Removing => "Removal In Progress",
        _ => "Created",
    };

    public static string Human(TimeSpan d) => Flotilla.Client.HumanDuration.Format(d);

    public static ContainerSummary Summary(ContainerRecord r, DateTimeOffset now) => new()
    {
        Id = r.Id,
        Names = ["/" + r.Name],
        Image = r.Image,
        ImageID = r.ImageId,
        Command = string.Join(' ', r.Args),
        Created = r.CreatedAt.ToUnixTimeSeconds(),
        State = State(r),
        Status = StatusText(r, now),
        Labels = new Dictionary<string, string>(r.Labels),
    };

    public static ContainerInspect Inspect(ContainerRecord r) => new()
    {
        Id = r.Id,
        Created = Rfc3339(r.CreatedAt),
        Path = r.Args[0],
        Args = [.. r.Args.Skip(1)],
        State = new ContainerState
        {
            Status = State(r),
            Running = r.Status == ContainerLifecycle.Running,
            OOMKilled = r.OomKilled,
            Dead = false,
            Pid = r.Pid ?? 0,
            ExitCode = r.ExitCode,
            Error = r.Error ?? "",
            StartedAt = r.StartedAt is { } s ? Rfc3339(s) : "0001-01-01T00:00:00Z",
            FinishedAt = r.FinishedAt is { } f ? Rfc3339(f) : "0001-01-01T00:00:00Z",
        },
        Image = r.ImageId,
        Name = "/" + r.Name,
        HostConfig = new HostConfig
        {
            Binds = [.. r.Binds],
            Memory = r.MemoryBytes,
            NanoCpus = r.NanoCpus,
            AutoRemove = r.AutoRemove,
            Runtime = r.Runtime,
            NetworkMode = r.NetworkMode,
            PortBindings = r.Ports.GroupBy(p => $"{p.ContainerPort}/{p.Protocol}")
                .ToDictionary(g => g.Key, g => g.Select(p => new PortBinding { HostPort = p.HostPort.ToString() }).ToList()),
        },
        NetworkSettings = NetworkSettings(r),
        Config = new ContainerConfig
        {
            Hostname = r.Hostname,
            User = r.User ?? "",
            Env = [.. r.Env],
            Cmd = r.Cmd is null ? null : [.. r.Cmd],
            Entrypoint = r.Entrypoint is null ? null : [.. r.Entrypoint],
            Image = r.Image,
            WorkingDir = r.WorkingDir,
            Labels = new Dictionary<string, string>(r.Labels),
            OpenStdin = r.OpenStdin,
            Tty = r.Tty,
        },
        Mounts =
        [
            .. r.Mounts.Select(m => new MountPoint
            {
                Type = m.Kind.ToString().ToLowerInvariant(),
                Name = m.Name,
                Source = m.Kind == MountKind.Tmpfs ? "" : m.Source,
                Destination = m.Destination,
                Driver = m.Driver,
                RW = !m.ReadOnly,
            }),
        ],
    };

    public static string Rfc3339(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'");

    private static NetworkSettings NetworkSettings(ContainerRecord r)
    {
        var networks = r.Endpoints.ToDictionary(e => e.NetworkName, e => new EndpointSettings
        {
            NetworkID = e.NetworkId, IPAddress = e.Address.Split('/')[0], IPPrefixLen = int.Parse(e.Address.Split('/')[1]), Gateway = e.Gateway, MacAddress = e.MacAddress,
        });
        var first = r.Endpoints.Length > 0 ? networks[r.Endpoints[0].NetworkName] : null;
        return new NetworkSettings
        {
            IPAddress = first?.IPAddress ?? "",
            IPPrefixLen = first?.IPPrefixLen ?? 0,
            Gateway = first?.Gateway ?? "",
            MacAddress = first?.MacAddress ?? "",
            Ports = r.Ports.GroupBy(p => $"{p.ContainerPort}/{p.Protocol}")
                .ToDictionary(g => g.Key, g => (List<PortBinding>?)[.. g.Select(p => new PortBinding { HostIp = "0.0.0.0", HostPort = p.HostPort.ToString() })]),
            Networks = networks,
        };
    }
}
