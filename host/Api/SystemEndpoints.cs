using System.Runtime.InteropServices;
using Flotilla.Client.Models;
using Flotilla.Grains.Containers;
using Flotilla.Grains.Local;

namespace Flotilla.Host.Api;

/// <summary>/_ping, /version, /info.</summary>
public static class SystemEndpoints
{
    public const string ApiVersion = "1.43";
    public const string MinApiVersion = "1.24";

    public static string ServerVersion { get; } =
        typeof(SystemEndpoints).Assembly.GetName().Version?.ToString(3) ?? "0.1.0";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapMethods("/_ping", ["GET", "HEAD"], (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-cache, no-store, must-revalidate";
            context.Response.Headers.Pragma = "no-cache";
            return context.Request.Method == "HEAD" ? Results.Ok() : Results.Text("OK", "text/plain");
        });
        api.MapGet("/version", () => Results.Json(Version()));
        api.MapGet("/info", InfoAsync);
    }

    /// <summary>Headers docker sends on every answer; clients negotiate the API version from them.</summary>
    public static Task AddHeadersAsync(HttpContext context, RequestDelegate next)
    {
        context.Response.Headers["Api-Version"] = ApiVersion;
        context.Response.Headers["Server"] = $"Flotilla/{ServerVersion} (linux)";
        context.Response.Headers["Ostype"] = "linux";
        context.Response.Headers["Docker-Experimental"] = "false";
        return next(context);
    }

    private static VersionResponse Version() => new()
    {
        Version = ServerVersion,
        ApiVersion = ApiVersion,
        MinAPIVersion = MinApiVersion,
        GitCommit = "",
        GoVersion = RuntimeInformation.FrameworkDescription,
        Os = "linux",
        Arch = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant() switch { "x64" => "amd64", var a => a },
        KernelVersion = Environment.OSVersion.Version.ToString(),
    };

    private static async Task<IResult> InfoAsync(Containers containers, PluginCatalog plugins, NodeContext node, ImageLookup images, Flotilla.Host.Swarm.SwarmContext swarm)
    {
        var records = await containers.ListAsync();
        var runtimes = plugins.Runtimes.Select(r => r.Describe()).ToList();
        var unavailable = plugins.Runtimes.Where(r => r.UnavailableReason is not null).ToDictionary(r => r.Name, r => r.UnavailableReason!);
        var facts = runtimes.FirstOrDefault(r => r.Name == node.DefaultRuntime)?.Facts ?? [];
        string? Fact(string key) => facts.FirstOrDefault(f => f.Key == key).Value;
        return Results.Json(new SystemInfo
        {
            ID = node.NodeName,
            Name = node.NodeName,
            Containers = records.Count,
            ContainersRunning = records.Count(r => r.Status == ContainerLifecycle.Running),
            ContainersPaused = 0,
            ContainersStopped = records.Count(r => r.Status != ContainerLifecycle.Running),
            Images = images.Count(),
            Driver = "overlay2",
            DockerRootDir = node.DataRoot,
            OperatingSystem = OsName(),
            OSType = "linux",
            Architecture = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant() switch { "x64" => "x86_64", var a => a },
            NCPU = Environment.ProcessorCount,
            MemTotal = MemTotal(),
            KernelVersion = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "",
            ServerVersion = ServerVersion,
            CgroupDriver = Fact("cgroup driver") ?? "cgroupfs",
            CgroupVersion = Fact("cgroup version") ?? "",
            DefaultRuntime = node.DefaultRuntime,
            Runtimes = runtimes.ToDictionary(r => r.Name, r => new RuntimeInfo
            {
                Path = r.Facts.FirstOrDefault(f => f.Key == "OCI runtime").Value ?? r.Name,
                Status = unavailable.TryGetValue(r.Name, out var reason) ? new() { ["unavailable"] = reason } : null,
            }),
            Warnings = [.. runtimes.SelectMany(r => r.Warnings)],
            Plugins = new PluginsInfo { Volume = [.. plugins.VolumeDrivers.Select(d => d.Name)] },
            Swarm = await SwarmInfoAsync(swarm),
        });
    }

    private static async Task<SwarmLocalInfo> SwarmInfoAsync(Flotilla.Host.Swarm.SwarmContext swarm)
    {
        if (swarm.Config is not { } config)
        {
            return new SwarmLocalInfo();
        }

        var info = new SwarmLocalInfo { NodeAddr = config.AdvertiseAddress, LocalNodeState = "pending" };
        try
        {
            var nodes = await swarm.Grains.GetGrain<Flotilla.Grains.Swarm.INodeRegistryGrain>("nodes").ListAsync();
            var self = nodes.FirstOrDefault(n => n.Name == swarm.NodeName);
            var cluster = await swarm.Grains.GetGrain<Flotilla.Grains.Swarm.ISwarmGrain>("swarm").GetAsync();
            if (self is not null && cluster is not null)
            {
                info.LocalNodeState = "active";
                info.NodeID = self.Record.Id;
                info.ControlAvailable = self.Record.Role == Flotilla.Grains.Swarm.NodeRole.Manager;
                info.Nodes = nodes.Count;
                info.Managers = nodes.Count(n => n.Record.Role == Flotilla.Grains.Swarm.NodeRole.Manager);
                info.Cluster = new SwarmClusterInfo { ID = cluster.ClusterId, CreatedAt = cluster.CreatedAt };
                // This node first: a join command printed here names the manager the user is talking to.
                info.RemoteManagers = [.. nodes.Where(n => n.Record.Role == Flotilla.Grains.Swarm.NodeRole.Manager)
                    .OrderBy(n => n.Name != swarm.NodeName)
                    .Select(n => new RemoteManager { NodeID = n.Record.Id, Addr = $"{n.Record.Description.Address}:{n.Record.Description.SwarmPort}" })];
            }
        }
        catch (Exception e)
        {
            info.LocalNodeState = "error";
            info.Error = e.Message;
        }

        return info;
    }

    private static string OsName() =>
        File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME="))?.Split('=', 2)[1].Trim('"') ?? "Linux"
            : "Linux";

    private static long MemTotal()
    {
        var line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:")) : null;
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
