namespace Flotilla.Cli.Parsing;

/// <summary>docker's <c>--filter KEY=VALUE</c>, repeated: values of one key are alternatives.</summary>
public static class FilterOption
{
    public static Dictionary<string, List<string>> Parse(IEnumerable<string> filters)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var filter in filters)
        {
            if (filter.Split('=', 2) is not [{ Length: > 0 } key, var value])
            {
                throw new ArgumentException($"bad format of filter '{filter}' (expected KEY=VALUE, e.g. name=web or status=exited)");
            }

            (result.TryGetValue(key, out var values) ? values : result[key] = []).Add(value);
        }

        return result;
    }
}
