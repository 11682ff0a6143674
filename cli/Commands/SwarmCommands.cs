using System.CommandLine;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;
using Flotilla.Client.Models;

namespace Flotilla.Cli.Commands;

/// <summary>swarm init|join|join-token|leave|update, node ls|inspect|update|rm|promote|demote, service create|ls|ps|inspect|scale|update|rollback|rm.</summary>
public static class SwarmCommands
{
    /// <summary>The flags of `service create` that take a value, read from the options themselves so the two never part.</summary>
    public static readonly ISet<string> ServiceCreateValuedOptions = new ServiceOptions().All
        .Where(o => o.ValueType != typeof(bool))
        .SelectMany(o => o.Aliases.Prepend(o.Name))
        .Concat(["-H", "--host"])
        .ToHashSet();

    public static IEnumerable<Command> Create(Func<string[]> containerCommand)
    {
        var swarm = new Command("swarm", "Manage the swarm");
        swarm.Subcommands.Add(Init());
        swarm.Subcommands.Add(Join());
        swarm.Subcommands.Add(JoinToken());
        swarm.Subcommands.Add(Leave());
        swarm.Subcommands.Add(Update());
        yield return swarm;

        var node = new Command("node", "Manage swarm nodes");
        node.Subcommands.Add(NodeList());
        node.Subcommands.Add(NodeInspect());
        node.Subcommands.Add(NodeUpdate());
        node.Subcommands.Add(Cli.ForEach("rm", "Remove one or more nodes from the swarm", "nodes",
            (client, id, parse, ct) => client.Nodes.RemoveAsync(id, parse.GetValue(Force), ct), Force));
        node.Subcommands.Add(Cli.ForEach("promote", "Promote one or more nodes to manager", "nodes",
            (client, id, _, ct) => ChangeNodeAsync(client, id, s => s.Role = "manager", ct)));
        node.Subcommands.Add(Cli.ForEach("demote", "Demote one or more nodes from manager", "nodes",
            (client, id, _, ct) => ChangeNodeAsync(client, id, s => s.Role = "worker", ct)));
        yield return node;

        var service = new Command("service", "Manage swarm services");
        service.Subcommands.Add(ServiceCreate(containerCommand));
        service.Subcommands.Add(ServiceList());
        service.Subcommands.Add(ServicePs());
        service.Subcommands.Add(ServiceInspect());
        service.Subcommands.Add(ServiceLogs());
        service.Subcommands.Add(ServiceScale());
        service.Subcommands.Add(ServiceUpdate());
        service.Subcommands.Add(Cli.ForEach("rollback", "Revert changes to a service's configuration", "services", async (client, id, _, ct) =>
        {
            var s = await client.Services.InspectAsync(id, ct);
            await client.Services.RollbackAsync(s.ID, s.Version.Index, s.Spec, ct);
        }));
        service.Subcommands.Add(Cli.ForEach("rm", "Remove one or more services", "services", (client, id, _, ct) => client.Services.RemoveAsync(id, ct)));
        yield return service;

        var stack = new Command("stack", "Manage stacks");
        stack.Subcommands.Add(StackDeploy());
        stack.Subcommands.Add(StackList());
        stack.Subcommands.Add(StackServices());
        stack.Subcommands.Add(StackPs());
        stack.Subcommands.Add(Cli.ForEach("rm", "Remove one or more stacks", "stacks", async (client, name, _, ct) =>
        {
            if (!await client.Stacks.RemoveAsync(name, ct))
            {
                throw new InvalidOperationException($"Nothing found in stack: {name}");
            }
        }));
        yield return stack;
    }

    private static readonly Option<bool> Force = new("--force", "-f") { Description = "Force the operation" };

    private static Command Init()
    {
        var advertise = new Option<string?>("--advertise-addr") { Description = "Address other nodes reach this one at" };
        var datastore = new Option<string?>("--datastore") { Description = "PostgreSQL connection string the swarm keeps its state in" };
        var command = Cli.Verb("init", "Initialize a swarm", advertise, datastore);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            await client.Swarm.InitAsync(new SwarmInitRequest { AdvertiseAddr = parse.GetValue(advertise), DataStore = parse.GetValue(datastore) }, ct);
            var info = await client.Swarm.WaitUntilActiveAsync(ct);
            var tokens = (await client.Swarm.InspectAsync(ct)).JoinTokens;
            Console.WriteLine($"Swarm initialized: current node ({info.NodeID}) is now a manager.\n");
            Console.WriteLine($"To add a worker to this swarm, run the following command:\n\n    flotilla swarm join --token {tokens.Worker} {JoinAddress(info)}\n");
            Console.WriteLine("To add a manager to this swarm, run 'flotilla swarm join-token manager' and follow the instructions.");
            return 0;
        });
        return command;
    }

    private static Command Join()
    {
        var token = new Option<string>("--token") { Description = "Token for entry into the swarm", Required = true };
        var advertise = new Option<string?>("--advertise-addr") { Description = "Address other nodes reach this one at" };
        var manager = new Argument<string>("host:port");
        var command = Cli.Verb("join", "Join a swarm as a node and/or manager", token, advertise, manager);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            await client.Swarm.JoinAsync(new SwarmJoinRequest
            {
                JoinToken = parse.GetValue(token)!,
                AdvertiseAddr = parse.GetValue(advertise),
                RemoteAddrs = [parse.GetValue(manager)!],
            }, ct);
            var info = await client.Swarm.WaitUntilActiveAsync(ct);
            Console.WriteLine(info.ControlAvailable ? "This node joined a swarm as a manager." : "This node joined a swarm as a worker.");
            return 0;
        });
        return command;
    }

    private static Command JoinToken()
    {
        var rotate = new Option<bool>("--rotate") { Description = "Rotate join token" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only display token" };
        var role = new Argument<string>("worker|manager");
        role.AcceptOnlyFromAmong("worker", "manager");
        var command = Cli.Verb("join-token", "Manage join tokens", rotate, quiet, role);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var manager = parse.GetValue(role) == "manager";
            if (parse.GetValue(rotate))
            {
                await client.Swarm.RotateTokenAsync(!manager, manager, ct);
            }

            var tokens = (await client.Swarm.InspectAsync(ct)).JoinTokens;
            var value = manager ? tokens.Manager : tokens.Worker;
            if (parse.GetValue(quiet))
            {
                Console.WriteLine(value);
                return 0;
            }

            var address = JoinAddress((await client.System.InfoAsync(ct)).Swarm);
            Console.WriteLine($"To add a {parse.GetValue(role)} to this swarm, run the following command:\n\n    flotilla swarm join --token {value} {address}\n");
            return 0;
        });
        return command;
    }

    private static Command Leave()
    {
        var command = Cli.Verb("leave", "Leave the swarm", Force);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            await client.Swarm.LeaveAsync(parse.GetValue(Force), ct);
            await client.Swarm.WaitUntilSettledAsync(false, TimeSpan.FromSeconds(60), ct);
            Console.WriteLine("Node left the swarm.");
            return 0;
        });
        return command;
    }

    private static Command Update()
    {
        var certExpiry = new Option<string>("--cert-expiry") { Description = "Validity period for node certificates (ns|us|ms|s|m|h) (default 2160h0m0s)" };
        var command = Cli.Verb("update", "Update the swarm", certExpiry);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            if (parse.GetValue(certExpiry) is { } expiry)
            {
                await client.Swarm.SetNodeCertExpiryAsync(GoDuration.Parse(expiry, "--cert-expiry"), ct);
            }

            Console.WriteLine("Swarm updated.");
            return 0;
        });
        return command;
    }

    private static Command NodeList()
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only display IDs" };
        var command = Cli.Verb("ls", "List nodes in the swarm", quiet, Cli.Format);
        command.SetAction(async (parse, ct) =>
        {
            var json = Cli.Json(parse);
            using var client = Cli.Client(parse);
            var nodes = await client.Nodes.ListAsync(ct);
            var self = (await client.System.InfoAsync(ct)).Swarm.NodeID;
            if (parse.GetValue(quiet))
            {
                nodes.ForEach(n => Console.WriteLine(n.ID));
            }
            else if (json)
            {
                Cli.PrintJson(nodes, FlotillaJsonContext.Default.ListSwarmNode);
            }
            else
            {
                Console.Write(Table.Render(["ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS", "ENGINE VERSION"],
                    nodes.Select(n => (IReadOnlyList<string>)[
                        n.ID + (n.ID == self ? " *" : ""), n.Description.Hostname, Title(n.Status.State), Title(n.Spec.Availability),
                        n.ManagerStatus is null ? "" : Title(n.ManagerStatus.Reachability), n.Description.Engine.EngineVersion])));
            }

            return 0;
        });
        return command;
    }

    private static Command NodeInspect()
    {
        var names = new Argument<string[]>("nodes") { Arity = ArgumentArity.OneOrMore };
        var command = Cli.Verb("inspect", "Display detailed information on one or more nodes", names, Cli.Format);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var result = new List<SwarmNode>();
            var failed = await Cli.EachAsync(parse.GetValue(names)!, async n => result.Add(await client.Nodes.InspectAsync(n == "self" ? (await client.System.InfoAsync(ct)).Swarm.NodeID : n, ct)));
            Cli.PrintJson(result, FlotillaJsonContext.Default.ListSwarmNode);
            return failed;
        });
        return command;
    }

    private static Command NodeUpdate()
    {
        var availability = new Option<string?>("--availability") { Description = "Availability of the node (active, pause, drain)" };
        var role = new Option<string?>("--role") { Description = "Role of the node (worker, manager)" };
        var labelAdd = new Option<string[]>("--label-add") { Description = "Add or update a node label (key=value)" };
        var labelRm = new Option<string[]>("--label-rm") { Description = "Remove a node label if exists" };
        var node = new Argument<string>("node");
        var command = Cli.Verb("update", "Update a node", availability, role, labelAdd, labelRm, node);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            await ChangeNodeAsync(client, parse.GetValue(node)!, spec =>
            {
                spec.Availability = parse.GetValue(availability) ?? spec.Availability;
                spec.Role = parse.GetValue(role) ?? spec.Role;
                foreach (var (key, value) in EnvironmentSpec.Labels(parse.GetValue(labelAdd) ?? []))
                {
                    spec.Labels[key] = value;
                }

                foreach (var key in parse.GetValue(labelRm) ?? [])
                {
                    spec.Labels.Remove(key);
                }
            }, ct);
            Console.WriteLine(parse.GetValue(node));
            return 0;
        });
        return command;
    }

    private static async Task ChangeNodeAsync(Flotilla.Client.FlotillaClient client, string id, Action<NodeSpec> change, CancellationToken ct)
    {
        var node = await client.Nodes.InspectAsync(id, ct);
        change(node.Spec);
        await client.Nodes.UpdateAsync(node.ID, node.Version.Index, node.Spec, ct);
    }

    private static Command ServiceCreate(Func<string[]> containerCommand)
    {
        var o = new ServiceOptions();
        var image = new Argument<string>("image");
        var command = Cli.Verb("create", "Create a new service", [.. o.All, image]);
        command.SetAction(async (parse, ct) =>
        {
            var spec = new ServiceSpec { Name = parse.GetValue(o.Name) ?? "" };
            spec.TaskTemplate.ContainerSpec.Image = parse.GetValue(image)!;
            var rest = containerCommand();
            if (rest.Length > 0)
            {
                spec.TaskTemplate.ContainerSpec.Args = [.. rest];
            }

            var mode = parse.GetValue(o.Mode) ?? "replicated";
            spec.Mode = mode switch
            {
                "replicated" => new ServiceModeSpec { Replicated = new ReplicatedService { Replicas = parse.GetValue(o.Replicas) ?? 1 } },
                "global" => new ServiceModeSpec { Global = new GlobalService() },
                _ => throw new FormatException($"invalid argument \"{mode}\" for \"--mode\" flag: must be replicated or global"),
            };
            if (mode == "global" && parse.GetValue(o.Replicas) is not null)
            {
                throw new FormatException("replicas can only be used with replicated mode");
            }

            o.Apply(parse, spec);
            using var client = Cli.Client(parse);
            var created = await client.Services.CreateAsync(spec, ct);
            Console.WriteLine(created.ID);
            return 0;
        });
        return command;
    }

    private static Command ServiceUpdate()
    {
        var o = new ServiceOptions();
        var image = new Option<string?>("--image") { Description = "Service image tag" };
        var replicas = new Option<long?>("--replicas") { Description = "Number of tasks" };
        var force = new Option<bool>("--force") { Description = "Force update even if no changes require it" };
        var rollback = new Option<bool>("--rollback") { Description = "Rollback to previous specification" };
        var service = new Argument<string>("service");
        var command = Cli.Verb("update", "Update a service", [.. o.All.Where(x => x != o.Replicas && x != o.Mode && x != o.Name), image, replicas, force, rollback, service]);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var current = await client.Services.InspectAsync(parse.GetValue(service)!, ct);
            if (parse.GetValue(rollback))
            {
                await client.Services.RollbackAsync(current.ID, current.Version.Index, current.Spec, ct);
                Console.WriteLine(parse.GetValue(service));
                return 0;
            }

            var spec = current.Spec;
            spec.TaskTemplate.ContainerSpec.Image = parse.GetValue(image) ?? spec.TaskTemplate.ContainerSpec.Image;
            if (parse.GetValue(replicas) is { } n)
            {
                spec.Mode.Replicated = new ReplicatedService { Replicas = n };
            }

            if (parse.GetValue(force))
            {
                spec.TaskTemplate.ForceUpdate++;
            }

            o.Apply(parse, spec);
            await client.Services.UpdateAsync(current.ID, current.Version.Index, spec, ct);
            Console.WriteLine(parse.GetValue(service));
            return 0;
        });
        return command;
    }

    private static Command ServiceList()
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only display IDs" };
        var command = Cli.Verb("ls", "List services", quiet, Cli.Format);
        command.SetAction(async (parse, ct) =>
        {
            var json = Cli.Json(parse);
            using var client = Cli.Client(parse);
            var services = await client.Services.ListAsync(ct);
            if (parse.GetValue(quiet))
            {
                services.ForEach(s => Console.WriteLine(s.ID));
            }
            else if (json)
            {
                Cli.PrintJson(services, FlotillaJsonContext.Default.ListService);
            }
            else
            {
                Console.Write(Table.Render(["ID", "NAME", "MODE", "REPLICAS", "IMAGE"], services.Select(s => (IReadOnlyList<string>)[
                    Humanize.ShortId(s.ID), s.Spec.Name, s.Spec.Mode.Global is null ? "replicated" : "global",
                    $"{s.ServiceStatus?.RunningTasks ?? 0}/{s.ServiceStatus?.DesiredTasks ?? 0}", s.Spec.TaskTemplate.ContainerSpec.Image])));
            }

            return 0;
        });
        return command;
    }

    private static Command ServicePs()
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only display task IDs" };
        var services = new Argument<string[]>("services") { Arity = ArgumentArity.OneOrMore };
        var command = Cli.Verb("ps", "List the tasks of one or more services", quiet, Cli.Format, services);
        command.SetAction(async (parse, ct) =>
        {
            var json = Cli.Json(parse);
            using var client = Cli.Client(parse);
            var tasks = new List<SwarmTask>();
            var failed = await Cli.EachAsync(parse.GetValue(services)!, async s =>
            {
                await client.Services.InspectAsync(s, ct);
                tasks.AddRange(await client.Services.TasksAsync(s, ct));
            });
            await PrintTasksAsync(client, tasks, parse, quiet, json, ct);
            return failed;
        });
        return command;
    }

    private static async Task PrintTasksAsync(Flotilla.Client.FlotillaClient client, List<SwarmTask> tasks, ParseResult parse, Option<bool> quiet, bool json, CancellationToken ct)
    {
        var nodes = tasks.Count == 0 ? [] : (await client.Nodes.ListAsync(ct)).ToDictionary(n => n.ID, n => n.Description.Hostname);
        var now = DateTimeOffset.UtcNow;
        if (parse.GetValue(quiet))
        {
            tasks.ForEach(t => Console.WriteLine(t.ID));
        }
        else if (json)
        {
            Cli.PrintJson(tasks, FlotillaJsonContext.Default.ListSwarmTask);
        }
        else
        {
            Console.Write(Table.Render(["ID", "NAME", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR"], tasks.Select(t => (IReadOnlyList<string>)[
                Humanize.ShortId(t.ID), t.Name, t.Spec.ContainerSpec.Image, nodes.GetValueOrDefault(t.NodeID, ""), Title(t.DesiredState),
                $"{Title(t.Status.State)} {Humanize.Ago(t.Status.Timestamp, now)}", t.Status.Err is { Length: > 0 } e ? $"\"{e}\"" : ""])));
        }
    }

    private static Command StackDeploy()
    {
        var bundle = new Option<string>("--bundle-file", "--bundle") { Description = "Path to a Distributed Application Bundle file (.dab)", Required = true };
        var stack = new Argument<string>("stack");
        var command = Cli.Verb("deploy", "Deploy a new stack or update an existing stack", bundle, stack);
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(bundle)!;
            var parsed = Flotilla.Client.StacksClient.ParseBundle(await File.ReadAllTextAsync(path, ct), path);
            using var client = Cli.Client(parse);
            foreach (var warning in await client.Stacks.DeployAsync(parse.GetValue(stack)!, parsed, ct))
            {
                Cli.PrintError("warning: " + warning);
            }

            foreach (var name in parsed.Services.Keys.Order(StringComparer.Ordinal))
            {
                Console.WriteLine($"Deploying service {parse.GetValue(stack)}_{name}");
            }

            return 0;
        });
        return command;
    }

    private static Command StackList()
    {
        var command = Cli.Verb("ls", "List stacks", Cli.Format);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var stacks = await client.Stacks.ListAsync(ct);
            Console.Write(Table.Render(["NAME", "SERVICES"], stacks.Select(s => (IReadOnlyList<string>)[s.Name, s.Services.ToString()])));
            return 0;
        });
        return command;
    }

    private static Command StackServices()
    {
        var stack = new Argument<string>("stack");
        var command = Cli.Verb("services", "List the services in the stack", stack);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var services = await client.Stacks.ServicesAsync(parse.GetValue(stack)!, ct);
            Console.Write(Table.Render(["ID", "NAME", "MODE", "REPLICAS", "IMAGE"], services.Select(s => (IReadOnlyList<string>)[
                Humanize.ShortId(s.ID), s.Spec.Name, s.Spec.Mode.Global is null ? "replicated" : "global",
                $"{s.ServiceStatus?.RunningTasks ?? 0}/{s.ServiceStatus?.DesiredTasks ?? 0}", s.Spec.TaskTemplate.ContainerSpec.Image])));
            return 0;
        });
        return command;
    }

    private static Command StackPs()
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only display task IDs" };
        var stack = new Argument<string>("stack");
        var command = Cli.Verb("ps", "List the tasks in the stack", quiet, Cli.Format, stack);
        command.SetAction(async (parse, ct) =>
        {
            var json = Cli.Json(parse);
            using var client = Cli.Client(parse);
            await PrintTasksAsync(client, await client.Stacks.TasksAsync(parse.GetValue(stack)!, ct), parse, quiet, json, ct);
            return 0;
        });
        return command;
    }

    private static Command ServiceInspect()
    {
        var names = new Argument<string[]>("services") { Arity = ArgumentArity.OneOrMore };
        var command = Cli.Verb("inspect", "Display detailed information on one or more services", names, Cli.Format);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var result = new List<Service>();
            var failed = await Cli.EachAsync(parse.GetValue(names)!, async n => result.Add(await client.Services.InspectAsync(n, ct)));
            Cli.PrintJson(result, FlotillaJsonContext.Default.ListService);
            return failed;
        });
        return command;
    }

    private static Command ServiceLogs()
    {
        var timestamps = new Option<bool>("--timestamps", "-t") { Description = "Show timestamps" };
        var tail = new Option<string>("--tail", "-n") { Description = "Number of lines to show from the end of the logs (default all)", DefaultValueFactory = _ => "all" };
        var service = new Argument<string>("service");
        var command = Cli.Verb("logs", "Fetch the logs of a service", timestamps, tail, service);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            await Cli.PrintFramesAsync(client.Services.LogsAsync(parse.GetValue(service)!, parse.GetValue(timestamps), parse.GetValue(tail)!, ct), ct);
            return 0;
        });
        return command;
    }

    private static Command ServiceScale()
    {
        var targets = new Argument<string[]>("SERVICE=REPLICAS") { Arity = ArgumentArity.OneOrMore };
        var command = Cli.Verb("scale", "Scale one or multiple replicated services", targets);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            return await Cli.EachAsync(parse.GetValue(targets)!, async target =>
            {
                var parts = target.Split('=', 2);
                if (parts.Length != 2 || !long.TryParse(parts[1], out var n) || n < 0)
                {
                    throw new FormatException($"invalid scale specifier '{target}': expected SERVICE=REPLICAS with REPLICAS 0 or more");
                }

                await client.Services.ScaleAsync(parts[0], n, ct);
                Console.WriteLine($"{parts[0]} scaled to {n}");
            });
        });
        return command;
    }

    /// <summary>The manager a join command names: this node when it is one (listed first), with its swarm port.</summary>
    private static string JoinAddress(SwarmLocalInfo info) => info.RemoteManagers.FirstOrDefault()?.Addr ?? $"{info.NodeAddr}:2377";

    private static string Title(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
