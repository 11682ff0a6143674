using System.CommandLine;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;
using Flotilla.Client;
using Flotilla.Client.Models;

namespace Flotilla.Cli.Commands;

/// <summary>ps, logs, start, stop, restart, kill, rm, inspect, wait, exec.</summary>
public static class ContainerCommands
{
    /// <summary>exec's options that take a separate value (see <see cref="CommandLineSplit"/>).</summary>
    public static readonly HashSet<string> ExecValuedOptions = ["-e", "--env", "-w", "--workdir", "-u", "--user", "-H", "--host"];

    public static IEnumerable<Command> Create(Func<string[]> execCommand) =>
        [Ps(), Logs(), Start(), Attach(), Stop(), Restart(), Kill(), Rm(), Inspect(), Wait(), Exec(execCommand)];

    private static Command Ps()
    {
        var all = new Option<bool>("--all", "-a") { Description = "Show all containers (default shows just running)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only display container ids" };
        var filter = new Option<string[]>("--filter", "-f") { Description = "Filter by id, name, status, label, ancestor or exited (KEY=VALUE; repeat for more)" };
        var command = Cli.Verb("ps", "List containers", all, quiet, filter, Cli.Format);
        command.SetAction(async (parse, ct) =>
        {
            var json = Cli.Json(parse);
            using var client = Cli.Client(parse);
            var list = await client.Containers.ListAsync(parse.GetValue(all), FilterOption.Parse(parse.GetValue(filter) ?? []), ct);
            if (parse.GetValue(quiet))
            {
                list.ForEach(c => Console.WriteLine(Humanize.ShortId(c.Id)));
            }
            else if (json)
            {
                Cli.PrintJson(list, FlotillaJsonContext.Default.ListContainerSummary);
            }
            else
            {
                Console.Write(PsTable(list, DateTimeOffset.UtcNow));
            }

            return 0;
        });
        return command;
    }

    public static string PsTable(IEnumerable<ContainerSummary> containers, DateTimeOffset now) =>
        Table.Render(["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"],
            containers.Select(c => (IReadOnlyList<string>)
            [
                Humanize.ShortId(c.Id), c.Image, Humanize.Command(c.Command), Humanize.Ago(DateTimeOffset.FromUnixTimeSeconds(c.Created), now),
                c.Status, "", string.Join(",", c.Names.Select(n => n.TrimStart('/'))),
            ]));

    private static Command Logs()
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "Follow log output" };
        var timestamps = new Option<bool>("--timestamps", "-t") { Description = "Show timestamps" };
        var tail = new Option<string>("--tail", "-n") { Description = "Number of lines to show from the end of the logs (default all)", DefaultValueFactory = _ => "all" };
        var container = new Argument<string>("container");
        var command = Cli.Verb("logs", "Fetch the logs of a container", follow, timestamps, tail, container);
        command.SetAction(async (parse, ct) =>
        {
            var lines = parse.GetValue(tail)!;
            if (lines != "all" && !(int.TryParse(lines, out var n) && n >= 0))
            {
                throw new FormatException($"invalid --tail value '{lines}': give a number of lines or \"all\"");
            }

            using var client = Cli.Client(parse);
            await Cli.PrintFramesAsync(client.Containers.LogsAsync(parse.GetValue(container)!, parse.GetValue(follow), parse.GetValue(timestamps), lines, ct), ct);
            return 0;
        });
        return command;
    }

    private static Command Stop()
    {
        var time = new Option<int?>("--time", "-t") { Description = "Seconds to wait before killing the container (default 10)" };
        return Cli.ForEach("stop", "Stop one or more running containers", "containers",
            (client, id, parse, ct) => client.Containers.StopAsync(id, parse.GetValue(time), ct), time);
    }

    private static Command Start()
    {
        var attach = new Option<bool>("--attach", "-a") { Description = "Attach STDOUT/STDERR and forward signals" };
        var interactive = new Option<bool>("--interactive", "-i") { Description = "Attach container's STDIN" };
        var targets = new Argument<string[]>("containers") { Arity = ArgumentArity.OneOrMore };
        var command = Cli.Verb("start", "Start one or more created or stopped containers", attach, interactive, targets);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var ids = parse.GetValue(targets)!;
            if (!parse.GetValue(attach) && !parse.GetValue(interactive))
            {
                return await Cli.EachAsync(ids, async id =>
                {
                    await client.Containers.StartAsync(id, ct);
                    Console.WriteLine(id);
                });
            }

            if (ids.Length > 1)
            {
                Console.Error.WriteLine("flotilla: you cannot start and attach multiple containers at once");
                return 1;
            }

            // Like run: output streams live, signals go to the container, the exit code is the container's.
            var container = await client.Containers.InspectAsync(ids[0], ct);
            using var signals = new SignalProxy(client, container.Id);
            await using var stdout = Console.OpenStandardOutput();
            await using var stderr = Console.OpenStandardError();
            var stdin = parse.GetValue(interactive) && container.Config.OpenStdin ? Console.OpenStandardInput() : null;
            using var resizing = container.Config.Tty ? TerminalWindow.Follow((height, width) => client.Containers.ResizeAsync(container.Id, height, width)) : null;
            return await client.Containers.StartAttachedAsync(container.Id, container.HostConfig.AutoRemove, container.Config.Tty, stdout, stderr, stdin, ct);
        });
        return command;
    }

    private static Command Attach()
    {
        var noStdin = new Option<bool>("--no-stdin") { Description = "Do not attach STDIN" };
        var target = new Argument<string>("container");
        var command = Cli.Verb("attach", "Attach local standard input, output, and error streams to a running container", noStdin, target);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var container = await client.Containers.InspectAsync(parse.GetValue(target)!, ct);
            if (!container.State.Running)
            {
                Console.Error.WriteLine("flotilla: You cannot attach to a stopped container, start it first");
                return 1;
            }

            using var signals = new SignalProxy(client, container.Id);
            await using var stdout = Console.OpenStandardOutput();
            await using var stderr = Console.OpenStandardError();
            var stdin = !parse.GetValue(noStdin) && container.Config.OpenStdin ? Console.OpenStandardInput() : null;
            using var resizing = container.Config.Tty ? TerminalWindow.SetAndFollow((height, width) => client.Containers.ResizeAsync(container.Id, height, width)) : null;
            return await client.Containers.AttachToEndAsync(container.Id, container.Config.Tty, stdout, stderr, stdin, ct);
        });
        return command;
    }

    private static Command Restart()
    {
        var time = new Option<int?>("--time", "-t") { Description = "Seconds to wait before killing the container (default 10)" };
        return Cli.ForEach("restart", "Restart one or more containers", "containers",
            (client, id, parse, ct) => client.Containers.RestartAsync(id, parse.GetValue(time), ct), time);
    }

    private static Command Kill()
    {
        var signal = new Option<string>("--signal", "-s") { Description = "Signal to send (default KILL)", DefaultValueFactory = _ => "KILL" };
        return Cli.ForEach("kill", "Kill one or more running containers", "containers",
            (client, id, parse, ct) => client.Containers.KillAsync(id, parse.GetValue(signal)!, ct), signal);
    }

    private static Command Rm()
    {
        var force = new Option<bool>("--force", "-f") { Description = "Force the removal of a running container (uses SIGKILL)" };
        var volumes = new Option<bool>("--volumes", "-v") { Description = "Remove anonymous volumes associated with the container" };
        return Cli.ForEach("rm", "Remove one or more containers", "containers",
            (client, id, parse, ct) => client.Containers.RemoveAsync(id, parse.GetValue(force), parse.GetValue(volumes), ct), force, volumes);
    }

    private static Command Wait()
    {
        var containers = new Argument<string[]>("containers") { Arity = ArgumentArity.OneOrMore };
        var command = Cli.Verb("wait", "Block until one or more containers stop, then print their exit codes", containers);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            return await Cli.EachAsync(parse.GetValue(containers)!,
                async id => Console.WriteLine((await client.Containers.WaitAsync(id, "not-running", ct)).StatusCode));
        });
        return command;
    }

    /// <summary>docker inspect: each name is looked up as a container, then as an image, then as a volume.</summary>
    private static Command Inspect()
    {
        var targets = new Argument<string[]>("names") { Arity = ArgumentArity.OneOrMore };
        var command = Cli.Verb("inspect", "Show low-level information on containers, images or volumes (JSON)", targets, Cli.Format);
        command.SetAction(async (parse, ct) =>
        {
            Cli.Json(parse);
            using var client = Cli.Client(parse);
            var results = new JsonArray();
            var failed = 0;
            foreach (var name in parse.GetValue(targets)!)
            {
                if (await FindAsync(client, name, ct) is { } found)
                {
                    results.Add(found);
                }
                else
                {
                    Cli.PrintError($"No such object: {name}");
                    failed = 1;
                }
            }

            Cli.PrintJson(results);
            return failed;
        });
        return command;
    }

    private static async Task<JsonNode?> FindAsync(FlotillaClient client, string name, CancellationToken ct)
    {
        try
        {
            return JsonSerializer.SerializeToNode(await client.Containers.InspectAsync(name, ct), FlotillaJsonContext.Default.ContainerInspect);
        }
        catch (FlotillaApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
        }

        try
        {
            return JsonSerializer.SerializeToNode(await client.Images.InspectAsync(name, ct), FlotillaJsonContext.Default.ImageInspect);
        }
        catch (FlotillaApiException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
        {
        }

        try
        {
            return JsonSerializer.SerializeToNode(await client.Volumes.InspectAsync(name, ct), FlotillaJsonContext.Default.Volume);
        }
        catch (FlotillaApiException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
        {
            return null;
        }
    }

    private static Command Exec(Func<string[]> execCommand)
    {
        var env = new Option<string[]>("--env", "-e") { Description = "Set an environment variable (KEY=value)" };
        var workdir = new Option<string?>("--workdir", "-w") { Description = "Working directory inside the container" };
        var user = new Option<string?>("--user", "-u") { Description = "User (name|uid[:group|gid])" };
        var interactive = new Option<bool>("--interactive", "-i") { Description = "Keep stdin open and pass it to the command" };
        var tty = new Option<bool>("--tty", "-t") { Description = "Allocate a pseudo-TTY" };
        var container = new Argument<string>("container");
        var command = Cli.Verb("exec", "Run a command in a running container (arguments after CONTAINER are the command)",
            env, workdir, user, interactive, tty, container);
        command.SetAction(async (parse, ct) =>
        {
            var cmd = execCommand();
            if (cmd.Length == 0)
            {
                throw new ArgumentException("exec needs a command to run after the container name: flotilla exec CONTAINER COMMAND [ARG...]");
            }

            var request = new ExecCreateRequest
            {
                Cmd = [.. cmd],
                Env = [.. (parse.GetValue(env) ?? []).Select(e => EnvironmentSpec.Parse(e, Environment.GetEnvironmentVariable)).OfType<string>()],
                WorkingDir = parse.GetValue(workdir),
                User = parse.GetValue(user),
                Tty = parse.GetValue(tty),
                ConsoleSize = parse.GetValue(tty) ? TerminalWindow.Size() : null,
                AttachStdin = parse.GetValue(interactive),
            };
            using var client = Cli.Client(parse);
            await using var stdout = Console.OpenStandardOutput();
            await using var stderr = Console.OpenStandardError();
            var stdin = parse.GetValue(interactive) ? Console.OpenStandardInput() : null;
            var exec = await client.Containers.CreateExecAsync(parse.GetValue(container)!, request, ct);
            using var terminal = request.Tty && stdin is not null ? RawTerminal.Enter() : null;
            using var resizing = request.Tty ? TerminalWindow.Follow((height, width) => client.Containers.ResizeExecAsync(exec.Id, height, width)) : null;
            return await client.Containers.StartExecAttachedAsync(exec.Id, request.Tty, stdout, stderr, stdin, ct);
        });
        return command;
    }
}
