using System.CommandLine;
using Flotilla.Cli.Output;
using Flotilla.Client;
using Flotilla.Client.Models;

namespace Flotilla.Cli.Commands;

/// <summary>volume create|ls|inspect|rm.</summary>
public static class VolumeCommands
{
    public static Command Create()
    {
        var volume = new Command("volume", "Manage volumes");
        volume.Subcommands.Add(CreateVolume());
        volume.Subcommands.Add(List());
        volume.Subcommands.Add(Inspect());
        volume.Subcommands.Add(Remove());
        return volume;
    }

    private static Command CreateVolume()
    {
        var driver = new Option<string?>("--driver", "-d") { Description = "Volume driver (default local)" };
        var label = new Option<string[]>("--label") { Description = "Set a label (KEY=value)" };
        var name = new Argument<string?>("name") { Arity = ArgumentArity.ZeroOrOne };
        var command = Cli.Verb("create", "Create a volume", driver, label, name);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var volume = await client.Volumes.CreateAsync(new VolumeCreateRequest
            {
                Name = parse.GetValue(name),
                Driver = parse.GetValue(driver),
                Labels = Parsing.EnvironmentSpec.Labels(parse.GetValue(label) ?? []),
            }, ct);
            Console.WriteLine(volume.Name);
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only display volume names" };
        var command = Cli.Verb("ls", "List volumes", quiet, Cli.Format);
        command.SetAction(async (parse, ct) =>
        {
            var json = Cli.Json(parse);
            using var client = Cli.Client(parse);
            var volumes = (await client.Volumes.ListAsync(ct)).ToList();
            if (parse.GetValue(quiet))
            {
                volumes.ForEach(v => Console.WriteLine(v.Name));
            }
            else if (json)
            {
                Cli.PrintJson(volumes, FlotillaJsonContext.Default.ListVolume);
            }
            else
            {
                Console.Write(Table.Render(["DRIVER", "VOLUME NAME"], volumes.Select(v => (IReadOnlyList<string>)[v.Driver, v.Name])));
            }

            return 0;
        });
        return command;
    }

    private static Command Inspect()
    {
        var names = new Argument<string[]>("volumes") { Arity = ArgumentArity.OneOrMore };
        var command = Cli.Verb("inspect", "Display detailed information on volumes", names, Cli.Format);
        command.SetAction(async (parse, ct) =>
        {
            Cli.Json(parse);
            using var client = Cli.Client(parse);
            var result = new List<Volume>();
            var failed = await Cli.EachAsync(parse.GetValue(names)!, async n => result.Add(await client.Volumes.InspectAsync(n, ct)));

            Cli.PrintJson(result, FlotillaJsonContext.Default.ListVolume);
            return failed;
        });
        return command;
    }

    private static Command Remove()
    {
        var force = new Option<bool>("--force", "-f") { Description = "Force the removal" };
        return Cli.ForEach("rm", "Remove one or more volumes", "volumes",
            (client, name, parse, ct) => client.Volumes.RemoveAsync(name, parse.GetValue(force), ct), force);
    }
}
