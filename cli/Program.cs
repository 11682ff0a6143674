using System.CommandLine;
using Flotilla.Cli.Commands;
using Flotilla.Cli.Parsing;
using Flotilla.Cli;
using Flotilla.Client;

// docker's argument order: after the image (run) or container (exec) everything is the container's command.
var (ours, runCommand) = CommandLineSplit.Split(args, "run", RunCommand.ValuedOptions);
var execCommand = Array.Empty<string>();
if (runCommand.Length == 0)
{
    (ours, execCommand) = CommandLineSplit.Split(args, "exec", ContainerCommands.ExecValuedOptions);
}

var root = new RootCommand("flotilla: run containers on a Flotilla node or swarm");
root.Options.Add(Cli.Host);
var run = RunCommand.Create(() => runCommand);
root.Subcommands.Add(run);
foreach (var command in ContainerCommands.Create(() => execCommand)
             .Concat(ImageCommands.Create())
             .Append(VolumeCommands.Create())
             .Concat(SystemCommands.Create()))
{
    root.Subcommands.Add(command);
}

var parse = root.Parse(ours);
try
{
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (DaemonUnavailableException e)
{
    Console.Error.WriteLine(e.Message);
    return parse.CommandResult.Command == run ? 125 : 1;
}
catch (FlotillaApiException e)
{
    Console.Error.WriteLine($"flotilla: Error response from daemon: {e.Message}");
    return parse.CommandResult.Command == run ? ExitCodes.ForRunFailure(e.Message) : 1;
}
catch (Exception e) when (e is ArgumentException or FormatException or FileNotFoundException or IOException)
{
    Console.Error.WriteLine($"flotilla: {e.Message}");
    return parse.CommandResult.Command == run ? 125 : 1;
}
catch (OperationCanceledException)
{
    return 130;
}
