namespace Flotilla.Cli.Parsing;

/// <summary>docker's `-e`: KEY=VALUE as given; a bare KEY takes its value from the CLI's own environment, or is dropped when unset there.</summary>
public static class EnvironmentSpec
{
    public static string? Parse(string text, Func<string, string?> lookup)
    {
        var equals = text.IndexOf('=');
        var key = equals < 0 ? text : text[..equals];
        if (key.Length == 0 || key.Any(char.IsWhiteSpace))
        {
            throw new FormatException($"invalid environment variable '{text}': expected KEY=VALUE (or KEY to pass on the variable from this shell)");
        }

        return equals >= 0 ? text : lookup(key) is { } value ? $"{key}={value}" : null;
    }

    /// <summary>KEY=VALUE labels; a bare KEY gets an empty value.</summary>
    public static Dictionary<string, string> Labels(IEnumerable<string> labels)
    {
        var result = new Dictionary<string, string>();
        foreach (var label in labels)
        {
            var equals = label.IndexOf('=');
            var key = equals < 0 ? label : label[..equals];
            if (key.Length == 0)
            {
                throw new FormatException($"invalid label '{label}': expected KEY=VALUE");
            }

            result[key] = equals < 0 ? "" : label[(equals + 1)..];
        }

        return result;
    }
}
