using System.CommandLine;
using System.CommandLine.Help;
using Flotilla.Cli;
using Flotilla.Cli.Commands;
using Flotilla.Cli.Parsing;
using Flotilla.Client;

// docker's argument order: after the image (run) or the container (exec) everything is the container's command.
var (ours, containerCommand) = CommandLineSplit.Split(args, new Dictionary<string, ISet<string>>
{
    ["run"] = RunCommand.ValuedOptions,
    ["create"] = RunCommand.ValuedOptions,
    ["exec"] = ContainerCommands.ExecValuedOptions,
    ["service create"] = SwarmCommands.ServiceCreateValuedOptions,
});

var root = new RootCommand("flotilla: run containers on a Flotilla node");
root.Options.Add(Cli.Host);
var run = RunCommand.Create(() => containerCommand);
root.Subcommands.Add(run);
root.Subcommands.Add(RunCommand.CreateOnly(() => containerCommand));
foreach (var command in ContainerCommands.Create(() => containerCommand)
             .Concat(ImageCommands.Create())
             .Concat(RegistryCommands.Create())
             .Append(VolumeCommands.Create())
             .Append(NetworkCommands.Create())
             .Concat(SwarmCommands.Create(() => containerCommand))
             .Concat(SystemCommands.Create()))
{
    root.Subcommands.Add(command);
}

var parse = root.Parse(ours.Length == 0 ? ["--help"] : ours, new ParserConfiguration { ResponseFileTokenReplacer = null });
var verb = parse.CommandResult.Command;
if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
{
    // An unknown flag is taken for an argument by the parser, which then blames the next word; name the flag.
    if (UsageErrors.UnknownOption(verb, ours) is { } unknown)
    {
        Cli.PrintError($"unknown flag: {unknown}");
    }
    else
    {
        foreach (var error in parse.Errors)
        {
            Cli.PrintError(error.Message);
        }
    }

    var path = string.Join(' ', parse.CommandResult.Command.Parents.OfType<Command>().Where(c => c != root).Select(c => c.Name).Append(verb.Name));
    Console.Error.WriteLine($"See 'flotilla {(verb == root ? "" : path + " ")}--help'.");
    return ExitCodes.Refused;
}

try
{
    // No termination handling of System.CommandLine's: a signal ends flotilla as usual, except while `run` is
    // attached, where it goes to the container (SignalProxy).
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
}
catch (ContainerStartException e)
{
    Cli.PrintError(e.Message);
    return ExitCodes.ForStartFailure(e.Message);
}
catch (FlotillaApiException e) when (verb.Name == "exec")
{
    // A command that cannot be started in the container gets a shell's exit code, as with run.
    Cli.PrintError(e.Message);
    return ExitCodes.ForStartFailure(e.Message) is var code && code != ExitCodes.Refused ? code : 1;
}
catch (FlotillaApiException e)
{
    Cli.PrintError(e.Message);
    return verb == run ? ExitCodes.Refused : 1;
}
catch (DaemonUnavailableException e)
{
    Cli.PrintError(e.Message);
    return verb == run ? ExitCodes.Refused : 1;
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    // A flag's value was wrong: docker treats it as a usage error.
    Cli.PrintError(e.Message);
    return ExitCodes.Refused;
}
catch (Exception e) when (e is TimeoutException or InvalidOperationException)
{
    Cli.PrintError(e.Message);
    return 1;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Cli.PrintError(e.Message);
    return verb == run ? ExitCodes.Refused : 1;
}
