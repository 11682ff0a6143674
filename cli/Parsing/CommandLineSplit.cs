namespace Flotilla.Cli.Parsing;

/// <summary>
/// docker stops reading its own options at the first positional argument of `run` (the image) and `exec` (the
/// container): what follows is the container's command, dashes included, so it must not reach our parser.
/// </summary>
public static class CommandLineSplit
{
    /// <summary>Global options that take a value (they may come before the verb).</summary>
    private static readonly HashSet<string> GlobalValued = ["-H", "--host"];

    /// <summary>
    /// Splits <paramref name="args"/> into what flotilla parses and the container's command. <paramref name="verbs"/>
    /// names the verbs that end their options at their first positional argument, with the options of each that
    /// take a separate value (so that a value is not taken for the image).
    /// </summary>
    public static (string[] Ours, string[] Container) Split(string[] args, IReadOnlyDictionary<string, ISet<string>> verbs)
    {
        var i = SkipOptions(args, 0, GlobalValued);
        if (i >= args.Length)
        {
            return (args, []);
        }

        // A verb of two words ("service create") is looked up before the single word.
        var width = i + 1 < args.Length && verbs.ContainsKey($"{args[i]} {args[i + 1]}") ? 2 : 1;
        if (!verbs.TryGetValue(width == 2 ? $"{args[i]} {args[i + 1]}" : args[i], out var valued))
        {
            return (args, []);
        }

        var positional = SkipOptions(args, i + width, valued);
        if (positional >= args.Length)
        {
            return (args, []);
        }

        if (args[positional] == "--")
        {
            // "--" ends the options; the word after it is the image (or container).
            var ours = args[..positional].Concat(args.Skip(positional + 1).Take(1)).ToArray();
            return (ours, args.Length > positional + 2 ? args[(positional + 2)..] : []);
        }

        return (args[..(positional + 1)], args[(positional + 1)..]);
    }

    /// <summary>The index of the first argument from <paramref name="start"/> that is neither an option nor an option's value.</summary>
    private static int SkipOptions(string[] args, int start, ISet<string> valued)
    {
        var i = start;
        while (i < args.Length && args[i] != "--" && args[i].StartsWith('-') && args[i].Length > 1)
        {
            i += valued.Contains(args[i]) ? 2 : 1;
        }

        return Math.Min(i, args.Length);
    }
}
