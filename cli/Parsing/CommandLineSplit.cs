namespace Flotilla.Cli.Parsing;

/// <summary>
/// docker stops reading its own options at the first positional argument of `run` (the image) and `exec` (the
/// container): what follows belongs to the container's command, dashes included.
/// </summary>
public static class CommandLineSplit
{
    /// <summary>Splits after the first positional argument of <paramref name="verb"/>; options that take a value are named in <paramref name="valued"/>.</summary>
    public static (string[] Ours, string[] Container) Split(string[] args, string verb, ISet<string> valued)
    {
        var start = Array.IndexOf(args, verb);
        if (start < 0)
        {
            return (args, []);
        }

        for (var i = start + 1; i < args.Length; i++)
        {
            var a = args[i];
            if (a == "--")
            {
                return ([.. args[..i], .. args.Skip(i + 1).Take(1)], args[(i + 2)..]);
            }

            if (a.StartsWith('-') && a.Length > 1)
            {
                if (valued.Contains(a))
                {
                    i++;
                }

                continue;
            }

            return (args[..(i + 1)], args[(i + 1)..]);
        }

        return (args, []);
    }
}
