using System.CommandLine;
using Flotilla.Cli.Parsing;
using Flotilla.Client.Models;

namespace Flotilla.Cli.Commands;

/// <summary>flotilla run: create, attach, start and wait, with docker's flags.</summary>
public static class RunCommand
{
    public static readonly HashSet<string> ValuedOptions =
        ["--name", "-e", "--env", "-w", "--workdir", "-u", "--user", "-v", "--volume", "--memory", "-m", "--cpus", "--runtime", "-H", "--host", "--hostname", "-l", "--label", "--entrypoint"];

    public static Command Create(Func<string[]> containerCommand)
    {
        var detach = new Option<bool>("--detach", "-d") { Description = "Run in the background and print the container id" };
        var rm = new Option<bool>("--rm") { Description = "Remove the container when it exits" };
        var name = new Option<string?>("--name") { Description = "Name the container" };
        var env = new Option<string[]>("--env", "-e") { Description = "Set an environment variable (KEY=value)" };
        var workdir = new Option<string?>("--workdir", "-w") { Description = "Working directory inside the container" };
        var user = new Option<string?>("--user", "-u") { Description = "User (name|uid[:group|gid])" };
        var volume = new Option<string[]>("--volume", "-v") { Description = "Mount a volume or host path (SRC:DST[:ro])" };
        var memory = new Option<string?>("--memory", "-m") { Description = "Memory limit (e.g. 16m, 1g)" };
        var cpus = new Option<string?>("--cpus") { Description = "Number of CPUs (e.g. 0.5)" };
        var runtime = new Option<string?>("--runtime") { Description = "Runtime to use (linux, kvm, ...)" };
        var hostname = new Option<string?>("--hostname") { Description = "Container host name" };
        var label = new Option<string[]>("--label", "-l") { Description = "Set a label (KEY=value)" };
        var entrypoint = new Option<string?>("--entrypoint") { Description = "Override the image's entrypoint" };
        var interactive = new Option<bool>("--interactive", "-i") { Description = "Keep stdin open and pass it to the container" };
        var image = new Argument<string>("image") { Description = "Image to run" };
        var command = Cli.Verb("run", "Create and run a new container from an image",
            detach, rm, name, env, workdir, user, volume, memory, cpus, runtime, hostname, label, entrypoint, interactive, image);

        command.SetAction(async (parse, ct) =>
        {
            var cmd = containerCommand();
            var request = new ContainerCreateRequest
            {
                Image = parse.GetValue(image)!,
                Cmd = cmd.Length > 0 ? [.. cmd] : null,
                Entrypoint = parse.GetValue(entrypoint) is { } ep ? (ep.Length == 0 ? [] : [ep]) : null,
                Env = [.. parse.GetValue(env) ?? []],
                WorkingDir = parse.GetValue(workdir),
                User = parse.GetValue(user),
                Hostname = parse.GetValue(hostname),
                Labels = (parse.GetValue(label) ?? []).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p.Length == 2 ? p[1] : ""),
                OpenStdin = parse.GetValue(interactive),
                AttachStdin = parse.GetValue(interactive),
                AttachStdout = !parse.GetValue(detach),
                AttachStderr = !parse.GetValue(detach),
                HostConfig = new HostConfig
                {
                    AutoRemove = parse.GetValue(rm),
                    Binds = [.. parse.GetValue(volume) ?? []],
                    Memory = parse.GetValue(memory) is { } m ? MemorySize.Parse(m) : 0,
                    NanoCpus = parse.GetValue(cpus) is { } c ? MemorySize.ParseCpus(c) : 0,
                    Runtime = parse.GetValue(runtime),
                },
            };
            using var client = Cli.Client(parse);
            if (parse.GetValue(detach))
            {
                var created = await client.Containers.CreateAsync(request, parse.GetValue(name), ct);
                await client.Containers.StartAsync(created.Id, ct);
                Console.WriteLine(created.Id);
                return 0;
            }

            await using var stdout = Console.OpenStandardOutput();
            await using var stderr = Console.OpenStandardError();
            var stdin = request.OpenStdin ? Console.OpenStandardInput() : null;
            return await client.Containers.RunAsync(request, stdout, stderr, stdin, parse.GetValue(name), ct);
        });
        return command;
    }
}
