using System.CommandLine;
using Flotilla.Cli.Output;
using Flotilla.Client;
using Flotilla.Client.Models;

namespace Flotilla.Cli.Commands;

/// <summary>ps, logs, stop, kill, rm, inspect, wait, exec.</summary>
public static class ContainerCommands
{
    public static readonly HashSet<string> ExecValuedOptions = ["-e", "--env", "-w", "--workdir", "-u", "--user", "-H", "--host"];

    public static IEnumerable<Command> Create(Func<string[]> execCommand) =>
        [Ps(), Logs(), Stop(), Kill(), Rm(), Inspect(), Wait(), Exec(execCommand)];

    private static Command Ps()
    {
        var all = new Option<bool>("--all", "-a") { Description = "Show all containers (default shows just running)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only display container ids" };
        var command = Cli.Verb("ps", "List containers", all, quiet, Cli.Format);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var list = await client.Containers.ListAsync(parse.GetValue(all), ct);
            if (parse.GetValue(quiet))
            {
                list.ForEach(c => Console.WriteLine(Humanize.ShortId(c.Id)));
            }
            else if (Cli.Json(parse))
            {
                Cli.PrintJson(list, FlotillaJsonContext.Default.ListContainerSummary);
            }
            else
            {
                var now = DateTimeOffset.UtcNow;
                Console.Write(Table.Render(["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"],
                    list.Select(c => (IReadOnlyList<string>)
                    [
                        Humanize.ShortId(c.Id), c.Image, Quote(c.Command), Humanize.Ago(DateTimeOffset.FromUnixTimeSeconds(c.Created), now),
                        c.Status, "", string.Join(",", c.Names.Select(n => n.TrimStart('/'))),
                    ])));
            }

            return 0;
        });
        return command;
    }

    private static string Quote(string command) => "\"" + (command.Length > 20 ? command[..19] + "…" : command) + "\"";

    private static Command Logs()
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "Follow log output" };
        var timestamps = new Option<bool>("--timestamps", "-t") { Description = "Show timestamps" };
        var tail = new Option<string>("--tail", "-n") { Description = "Number of lines to show from the end (default all)", DefaultValueFactory = _ => "all" };
        var container = new Argument<string>("container");
        var command = Cli.Verb("logs", "Fetch the logs of a container", follow, timestamps, tail, container);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            await using var stdout = Console.OpenStandardOutput();
            await using var stderr = Console.OpenStandardError();
            await foreach (var frame in client.Containers.LogsAsync(parse.GetValue(container)!, parse.GetValue(follow), parse.GetValue(timestamps), parse.GetValue(tail)!, ct))
            {
                var target = frame.Stream == OutputStream.Stderr ? stderr : stdout;
                await target.WriteAsync(frame.Data, ct);
                await target.FlushAsync(ct);
            }

            return 0;
        });
        return command;
    }

    private static Command Stop()
    {
        var time = new Option<int?>("--time", "-t") { Description = "Seconds to wait before killing the container (default 10)" };
        return ForEach("stop", "Stop one or more running containers", (client, id, parse, ct) => client.Containers.StopAsync(id, parse.GetValue(time), ct), time);
    }

    private static Command Kill()
    {
        var signal = new Option<string>("--signal", "-s") { Description = "Signal to send (default KILL)", DefaultValueFactory = _ => "KILL" };
        return ForEach("kill", "Kill one or more running containers", (client, id, parse, ct) => client.Containers.KillAsync(id, parse.GetValue(signal)!, ct), signal);
    }

    private static Command Rm()
    {
        var force = new Option<bool>("--force", "-f") { Description = "Force the removal of a running container (uses SIGKILL)" };
        var volumes = new Option<bool>("--volumes", "-v") { Description = "Remove anonymous volumes associated with the container" };
        return ForEach("rm", "Remove one or more containers", (client, id, parse, ct) => client.Containers.RemoveAsync(id, parse.GetValue(force), parse.GetValue(volumes), ct), force, volumes);
    }

    private static Command Wait()
    {
        var containers = new Argument<string[]>("containers") { Arity = ArgumentArity.OneOrMore };
        var command = Cli.Verb("wait", "Block until one or more containers stop, then print their exit codes", containers);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var failed = 0;
            foreach (var id in parse.GetValue(containers)!)
            {
                try
                {
                    Console.WriteLine((await client.Containers.WaitAsync(id, "not-running", ct)).StatusCode);
                }
                catch (FlotillaApiException e)
                {
                    Console.Error.WriteLine($"Error response from daemon: {e.Message}");
                    failed = 1;
                }
            }

            return failed;
        });
        return command;
    }

    private static Command Inspect()
    {
        var targets = new Argument<string[]>("containers") { Arity = ArgumentArity.OneOrMore };
        var command = Cli.Verb("inspect", "Show low-level information on containers", targets, Cli.Format);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var results = new List<ContainerInspect>();
            var failed = 0;
            foreach (var id in parse.GetValue(targets)!)
            {
                try
                {
                    results.Add(await client.Containers.InspectAsync(id, ct));
                }
                catch (FlotillaApiException e)
                {
                    Console.Error.WriteLine($"Error response from daemon: {e.Message}");
                    failed = 1;
                }
            }

            Cli.PrintJson(results, FlotillaJsonContext.Default.ListContainerInspect);
            return failed;
        });
        return command;
    }

    private static Command Exec(Func<string[]> execCommand)
    {
        var env = new Option<string[]>("--env", "-e") { Description = "Set an environment variable (KEY=value)" };
        var workdir = new Option<string?>("--workdir", "-w") { Description = "Working directory inside the container" };
        var user = new Option<string?>("--user", "-u") { Description = "User (name|uid[:group|gid])" };
        var interactive = new Option<bool>("--interactive", "-i") { Description = "Keep stdin open" };
        var container = new Argument<string>("container");
        var command = Cli.Verb("exec", "Run a command in a running container", env, workdir, user, interactive, container);
        command.SetAction(async (parse, ct) =>
        {
            var cmd = execCommand();
            if (cmd.Length == 0)
            {
                throw new ArgumentException("exec needs a command to run after the container name");
            }

            using var client = Cli.Client(parse);
            var exec = await client.Containers.CreateExecAsync(parse.GetValue(container)!, new ExecCreateRequest
            {
                Cmd = [.. cmd],
                Env = [.. parse.GetValue(env) ?? []],
                WorkingDir = parse.GetValue(workdir),
                User = parse.GetValue(user),
                AttachStdin = parse.GetValue(interactive),
            }, ct);
            await using (var connection = await client.Containers.StartExecAsync(exec.Id, false, ct))
            {
                if (parse.GetValue(interactive))
                {
                    _ = Task.Run(async () =>
                    {
                        await using var stdin = Console.OpenStandardInput();
                        var buffer = new byte[16384];
                        int n;
                        while ((n = await stdin.ReadAsync(buffer, ct)) > 0)
                        {
                            await connection.WriteInputAsync(buffer.AsMemory(0, n), ct);
                        }

                        connection.CloseInput();
                    }, ct);
                }

                await using var stdout = Console.OpenStandardOutput();
                await using var stderr = Console.OpenStandardError();
                await connection.Output!.CopyToAsync(stdout, stderr, ct);
            }

            return (await client.Containers.InspectExecAsync(exec.Id, ct)).ExitCode ?? 126;
        });
        return command;
    }

    /// <summary>A verb that acts on each named container in turn, printing the name as docker does.</summary>
    private static Command ForEach(string name, string description, Func<FlotillaClient, string, ParseResult, CancellationToken, Task> act, params Option[] options)
    {
        var targets = new Argument<string[]>("containers") { Arity = ArgumentArity.OneOrMore };
        var command = Cli.Verb(name, description, [.. options, targets]);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var failed = 0;
            foreach (var id in parse.GetValue(targets)!)
            {
                try
                {
                    await act(client, id, parse, ct);
                    Console.WriteLine(id);
                }
                catch (FlotillaApiException e)
                {
                    Console.Error.WriteLine($"Error response from daemon: {e.Message}");
                    failed = 1;
                }
            }

            return failed;
        });
        return command;
    }
}
