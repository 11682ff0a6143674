using System.CommandLine;

namespace Flotilla.Cli.Parsing;

public static class UsageErrors
{
    /// <summary>The first word in <paramref name="args"/> that looks like an option but is none of <paramref name="command"/>'s.</summary>
    public static string? UnknownOption(Command command, IEnumerable<string> args)
    {
        var known = new HashSet<string>(
            command.Options.Concat(command.Parents.OfType<Command>().SelectMany(p => p.Options).Where(o => o.Recursive))
                .SelectMany(o => o.Aliases.Append(o.Name)));
        foreach (var arg in args)
        {
            if (arg == "--")
            {
                break;
            }

            var name = arg.StartsWith("--", StringComparison.Ordinal) ? arg.Split('=')[0]
                : arg.StartsWith('-') && arg.Length == 2 ? arg
                : null;
            if (name is not null && !known.Contains(name))
            {
                return name;
            }
        }

        return null;
    }
}
