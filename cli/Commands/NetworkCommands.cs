using System.CommandLine;
using Flotilla.Cli.Output;
using Flotilla.Client.Models;

namespace Flotilla.Cli.Commands;

/// <summary>network create|ls|inspect|rm|connect|disconnect.</summary>
public static class NetworkCommands
{
    public static Command Create()
    {
        var network = new Command("network", "Manage networks");
        network.Subcommands.Add(CreateNetwork());
        network.Subcommands.Add(List());
        network.Subcommands.Add(Inspect());
        network.Subcommands.Add(Cli.ForEach("rm", "Remove one or more networks", "networks", (client, name, _, ct) => client.Networks.RemoveAsync(name, ct)));
        var alias = new Option<string[]>("--alias") { Description = "Another name the container answers to in the network's DNS" };
        network.Subcommands.Add(Connection("connect", "Connect a container to a network", (c, n, ctr, aliases, ct) => c.Networks.ConnectAsync(n, ctr, aliases, ct), alias));
        network.Subcommands.Add(Connection("disconnect", "Disconnect a container from a network", (c, n, ctr, _, ct) => c.Networks.DisconnectAsync(n, ctr, false, ct)));
        return network;
    }

    private static Command CreateNetwork()
    {
        var driver = new Option<string?>("--driver", "-d") { Description = "Network driver: bridge (default) or overlay (the swarm's, across nodes)" };
        var subnet = new Option<string?>("--subnet") { Description = "Subnet in CIDR form (e.g. 10.10.0.0/24); a free one is picked if unset" };
        var gateway = new Option<string?>("--gateway") { Description = "Gateway address in the subnet (default: its first address)" };
        var label = new Option<string[]>("--label") { Description = "Set a label (KEY=value)" };
        var attachable = new Option<bool>("--attachable") { Description = "Enable manual container attachment (overlay networks)" };
        var name = new Argument<string>("name");
        var command = Cli.Verb("create", "Create a network", driver, subnet, gateway, label, attachable, name);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var created = await client.Networks.CreateAsync(new NetworkCreateRequest
            {
                Name = parse.GetValue(name)!,
                Driver = parse.GetValue(driver),
                IPAM = parse.GetValue(subnet) is null && parse.GetValue(gateway) is null
                    ? null
                    : new Ipam { Config = [new IpamConfig { Subnet = parse.GetValue(subnet), Gateway = parse.GetValue(gateway) }] },
                Labels = Parsing.EnvironmentSpec.Labels(parse.GetValue(label) ?? []),
                Attachable = parse.GetValue(attachable),
            }, ct);
            Console.WriteLine(created.Id);
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only display network ids" };
        var command = Cli.Verb("ls", "List networks", quiet, Cli.Format);
        command.SetAction(async (parse, ct) =>
        {
            var json = Cli.Json(parse);
            using var client = Cli.Client(parse);
            var networks = await client.Networks.ListAsync(ct);
            if (parse.GetValue(quiet))
            {
                networks.ForEach(n => Console.WriteLine(n.Id[..12]));
            }
            else if (json)
            {
                Cli.PrintJson(networks, FlotillaJsonContext.Default.ListNetworkResource);
            }
            else
            {
                Console.Write(Table.Render(["NETWORK ID", "NAME", "DRIVER", "SUBNET", "SCOPE"],
                    networks.Select(n => (IReadOnlyList<string>)[n.Id[..12], n.Name, n.Driver, n.IPAM.Config.FirstOrDefault()?.Subnet ?? "", n.Scope])));
            }

            return 0;
        });
        return command;
    }

    private static Command Inspect()
    {
        var names = new Argument<string[]>("networks") { Arity = ArgumentArity.OneOrMore };
        var command = Cli.Verb("inspect", "Display detailed information on networks", names, Cli.Format);
        command.SetAction(async (parse, ct) =>
        {
            Cli.Json(parse);
            using var client = Cli.Client(parse);
            var result = new List<NetworkResource>();
            var failed = await Cli.EachAsync(parse.GetValue(names)!, async n => result.Add(await client.Networks.InspectAsync(n, ct)));
            Cli.PrintJson(result, FlotillaJsonContext.Default.ListNetworkResource);
            return failed;
        });
        return command;
    }

    private static Command Connection(string verb, string description, Func<Client.FlotillaClient, string, string, string[], CancellationToken, Task> act, Option<string[]>? alias = null)
    {
        var network = new Argument<string>("network");
        var container = new Argument<string>("container");
        var command = alias is null ? Cli.Verb(verb, description, network, container) : Cli.Verb(verb, description, alias, network, container);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            await act(client, parse.GetValue(network)!, parse.GetValue(container)!, alias is null ? [] : parse.GetValue(alias) ?? [], ct);
            return 0;
        });
        return command;
    }
}
