using System.CommandLine;
using Flotilla.Cli.Parsing;
using Flotilla.Client;
using Flotilla.Client.Models;

namespace Flotilla.Cli.Commands;

/// <summary>flotilla run (create, attach, start and wait) and flotilla create, with docker's flags.</summary>
public static class RunCommand
{
    /// <summary>run's options that take a separate value (see <see cref="CommandLineSplit"/>).</summary>
    public static readonly HashSet<string> ValuedOptions =
    [
        "--name", "-e", "--env", "-w", "--workdir", "-u", "--user", "-v", "--volume", "--mount", "--memory", "-m", "--cpus", "--runtime",
        "-H", "--host", "--hostname", "-l", "--label", "--entrypoint", "--pull", "--network", "--net", "--network-alias", "-p", "--publish",
    ];

    public static Command Create(Func<string[]> containerCommand) =>
        Build("run", "Create and run a new container from an image (arguments after IMAGE are its command)", containerCommand, createOnly: false);

    /// <summary>flotilla create: run's flags (but --detach); prints the new container's id, which `start` starts.</summary>
    public static Command CreateOnly(Func<string[]> containerCommand) =>
        Build("create", "Create a new container from an image without starting it (arguments after IMAGE are its command)", containerCommand, createOnly: true);

    private static Command Build(string verb, string description, Func<string[]> containerCommand, bool createOnly)
    {
        var detach = new Option<bool>("--detach", "-d") { Description = "Run in the background and print the container id" };
        var rm = new Option<bool>("--rm") { Description = "Remove the container when it exits" };
        var name = new Option<string?>("--name") { Description = "Name the container" };
        var env = new Option<string[]>("--env", "-e") { Description = "Set an environment variable (KEY=value, or KEY to pass on this shell's value)" };
        var workdir = new Option<string?>("--workdir", "-w") { Description = "Working directory inside the container" };
        var user = new Option<string?>("--user", "-u") { Description = "User (name|uid[:group|gid])" };
        var volume = new Option<string[]>("--volume", "-v") { Description = "Mount a named volume or a host path (SOURCE:DESTINATION[:ro])" };
        var mount = new Option<string[]>("--mount") { Description = "Mount a bind, volume or tmpfs (type=bind|volume|tmpfs,source=…,target=…[,readonly])" };
        var memory = new Option<string?>("--memory", "-m") { Description = "Memory limit (e.g. 16m, 1g)" };
        var cpus = new Option<string?>("--cpus") { Description = "Number of CPUs (e.g. 0.5)" };
        var runtime = new Option<string?>("--runtime") { Description = "Runtime to use for this container" };
        var hostname = new Option<string?>("--hostname") { Description = "Container host name" };
        var label = new Option<string[]>("--label", "-l") { Description = "Set a label (KEY=value)" };
        var entrypoint = new Option<string?>("--entrypoint") { Description = "Override the image's entrypoint" };
        var interactive = new Option<bool>("--interactive", "-i") { Description = "Keep stdin open and pass it to the container" };
        var tty = new Option<bool>("--tty", "-t") { Description = "Allocate a pseudo-TTY" };
        var network = new Option<string?>("--network", "--net") { Description = "Connect the container to a network: bridge (default), none, host or a network's name" };
        var alias = new Option<string[]>("--network-alias") { Description = "Another name the container answers to in DNS on its (user-defined) network" };
        var publish = new Option<string[]>("--publish", "-p") { Description = "Publish a container port on the host (HOSTPORT:CONTAINERPORT[/tcp|udp])" };
        var pull = new Option<string?>("--pull") { Description = "Pull the image before running: missing (default), always or never" };
        var image = new Argument<string>("image") { Description = "Image to run" };
        var command = Cli.Verb(verb, description, rm, name, env, workdir, user, volume, mount, memory, cpus, runtime, hostname, label, entrypoint, interactive, tty, network, alias, publish, pull, image);

        if (!createOnly)
        {
            command.Options.Add(detach);
        }

        command.SetAction(async (parse, ct) =>
        {
            var cmd = containerCommand();
            var attach = !createOnly && !parse.GetValue(detach);
            var cwd = Directory.GetCurrentDirectory();
            var request = new ContainerCreateRequest
            {
                Image = parse.GetValue(image)!,
                Cmd = cmd.Length > 0 ? [.. cmd] : null,
                Entrypoint = parse.GetValue(entrypoint) is { } ep ? (ep.Length == 0 ? [] : [ep]) : null,
                Env = [.. (parse.GetValue(env) ?? []).Select(e => EnvironmentSpec.Parse(e, Environment.GetEnvironmentVariable)).OfType<string>()],
                WorkingDir = parse.GetValue(workdir),
                User = parse.GetValue(user),
                Hostname = parse.GetValue(hostname),
                Labels = EnvironmentSpec.Labels(parse.GetValue(label) ?? []),
                OpenStdin = parse.GetValue(interactive),
                Tty = parse.GetValue(tty),
                AttachStdin = parse.GetValue(interactive) && attach,
                StdinOnce = parse.GetValue(interactive) && attach,
                AttachStdout = attach,
                AttachStderr = attach,
                HostConfig = new HostConfig
                {
                    AutoRemove = parse.GetValue(rm),
                    Binds = [.. (parse.GetValue(volume) ?? []).Select(v => VolumeSpec.Parse(v, cwd).ToBind())],
                    Mounts = [.. (parse.GetValue(mount) ?? []).Select(m => MountOption.Parse(m, cwd))],
                    Memory = parse.GetValue(memory) is { } m ? MemorySize.Parse(m) : 0,
                    NanoCpus = parse.GetValue(cpus) is { } c ? MemorySize.ParseCpus(c) : 0,
                    Runtime = parse.GetValue(runtime),
                    NetworkMode = parse.GetValue(network),
                    PortBindings = parse.GetValue(publish) is { Length: > 0 } p ? PortSpec.Parse(p) : null,
                    ConsoleSize = parse.GetValue(tty) ? TerminalWindow.Size() : null,
                },
                NetworkingConfig = parse.GetValue(alias) is { Length: > 0 } aliases
                    ? new NetworkingConfig { EndpointsConfig = new() { [parse.GetValue(network) ?? "bridge"] = new EndpointSettings { Aliases = [.. aliases] } } }
                    : null,
            };

            var policy = parse.GetValue(pull) ?? "missing";
            if (policy is not ("missing" or "always" or "never"))
            {
                throw new ArgumentException($"--pull '{policy}' is not one of missing, always, never");
            }

            using var client = Cli.Client(parse);
            if (policy == "always")
            {
                await RegistryCommands.PullAsync(client, request.Image, null, false, Console.Error, Console.IsErrorRedirected, ct);
            }

            string id;
            try
            {
                id = (await client.Containers.CreateAsync(request, parse.GetValue(name), ct)).Id;
            }
            catch (FlotillaApiException e) when (policy == "missing" && e.StatusCode == System.Net.HttpStatusCode.NotFound
                                                 && e.Message.StartsWith("No such image", StringComparison.Ordinal))
            {
                // docker's order: create, and only on "No such image" pull and create again.
                Console.Error.WriteLine($"Unable to find image '{request.Image}' locally");
                await RegistryCommands.PullAsync(client, request.Image, null, false, Console.Error, Console.IsErrorRedirected, ct);
                id = (await client.Containers.CreateAsync(request, parse.GetValue(name), ct)).Id;
            }
            if (createOnly)
            {
                Console.WriteLine(id);
                return 0;
            }

            if (!attach)
            {
                try
                {
                    await client.Containers.StartAsync(id, ct);
                }
                catch (FlotillaApiException e)
                {
                    throw new ContainerStartException(id, e);
                }

                Console.WriteLine(id);
                return 0;
            }

            using var signals = new SignalProxy(client, id);
            await using var stdout = Console.OpenStandardOutput();
            await using var stderr = Console.OpenStandardError();
            var stdin = request.AttachStdin ? Console.OpenStandardInput() : null;
            using var terminal = request.Tty && stdin is not null ? RawTerminal.Enter() : null;
            using var resizing = request.Tty ? TerminalWindow.Follow((height, width) => client.Containers.ResizeAsync(id, height, width)) : null;
            return await client.Containers.StartAttachedAsync(id, parse.GetValue(rm), request.Tty, stdout, stderr, stdin, ct);
        });
        return command;
    }
}
