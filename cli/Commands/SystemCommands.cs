using System.CommandLine;
using Flotilla.Client.Models;

namespace Flotilla.Cli.Commands;

/// <summary>info and version.</summary>
public static class SystemCommands
{
    public static IEnumerable<Command> Create() => [Info(), Version()];

    private static Command Info()
    {
        var command = Cli.Verb("info", "Display system-wide information", Cli.Format);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var info = await client.System.InfoAsync(ct);
            if (Cli.Json(parse))
            {
                Cli.PrintJson(info, FlotillaJsonContext.Default.SystemInfo);
                return 0;
            }

            Console.WriteLine($"""
                Server:
                 Containers: {info.Containers}
                  Running: {info.ContainersRunning}
                  Paused: {info.ContainersPaused}
                  Stopped: {info.ContainersStopped}
                 Images: {info.Images}
                 Server Version: {info.ServerVersion}
                 Storage Driver: {info.Driver}
                 Cgroup Driver: {info.CgroupDriver}
                 Cgroup Version: {info.CgroupVersion}
                 Plugins:
                  Volume: {string.Join(" ", info.Plugins.Volume)}
                 Runtimes: {string.Join(" ", info.Runtimes.Select(r => r.Value.Status?.GetValueOrDefault("unavailable") is { } why ? $"{r.Key} (unavailable: {why})" : $"{r.Key} ({r.Value.Path})"))}
                 Default Runtime: {info.DefaultRuntime}
                 Kernel Version: {info.KernelVersion}
                 Operating System: {info.OperatingSystem}
                 OSType: {info.OSType}
                 Architecture: {info.Architecture}
                 CPUs: {info.NCPU}
                 Total Memory: {info.MemTotal / (1024.0 * 1024 * 1024):0.##}GiB
                 Name: {info.Name}
                 Flotilla Root Dir: {info.DockerRootDir}
                """);
            foreach (var warning in info.Warnings)
            {
                Console.WriteLine($"WARNING: {warning}");
            }

            return 0;
        });
        return command;
    }

    private static Command Version()
    {
        var command = Cli.Verb("version", "Show the client and daemon versions", Cli.Format);
        command.SetAction(async (parse, ct) =>
        {
            var json = Cli.Json(parse);
            using var client = Cli.Client(parse);
            if (json)
            {
                Cli.PrintJson(await client.System.VersionAsync(ct), FlotillaJsonContext.Default.VersionResponse);
                return 0;
            }

            // The client's half is printed before the daemon is asked, so it shows even when no daemon answers.
            Console.Write($"""
                Client:
                 Version:     {typeof(SystemCommands).Assembly.GetName().Version?.ToString(3)}
                 API version: {client.Options.ApiVersion}
                 OS/Arch:     linux/{Architecture()}


                """);
            Console.Out.Flush();
            var server = await client.System.VersionAsync(ct);
            Console.WriteLine($"""
                Server:
                 Version:     {server.Version}
                 API version: {server.ApiVersion} (minimum version {server.MinAPIVersion})
                 Runtime:     {server.GoVersion}
                 OS/Arch:     {server.Os}/{server.Arch}
                 Kernel:      {server.KernelVersion}
                """);
            if (server.GitCommit.Length > 0)
            {
                Console.WriteLine($" Git commit:  {server.GitCommit}");
            }

            foreach (var component in server.Components.Where(c => c.Name != "Engine"))
            {
                Console.WriteLine($" {component.Name}:\n  Version:    {component.Version}");
            }

            return 0;
        });
        return command;
    }

    /// <summary>Go's names for architectures, as docker prints them.</summary>
    private static string Architecture() => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        var other => other.ToString().ToLowerInvariant(),
    };
}
