using System.Text.RegularExpressions;
using Flotilla.Grains;
using Flotilla.Grains.Containers;

namespace Flotilla.Host.Api;

/// <summary>
/// docker's container list filters (<c>GET /containers/json?filters=…</c>, <c>ps --filter</c>): different keys must all
/// match, the values of one key are alternatives.
/// </summary>
public static class ContainerFilter
{
    private static readonly string[] Keys = ["id", "name", "status", "label", "ancestor", "exited"];
    private static readonly string[] States = ["created", "running", "exited", "removing"];

    public static Func<ContainerRecord, bool> From(IReadOnlyDictionary<string, List<string>> filters)
    {
        foreach (var (key, values) in filters)
        {
            if (!Keys.Contains(key))
            {
                throw FlotillaException.Invalid($"Invalid filter '{key}': containers are filtered by {string.Join(", ", Keys)}.");
            }

            foreach (var value in values)
            {
                Check(key, value);
            }
        }

        return record => filters.All(f => f.Value.Count == 0 || f.Value.Any(value => Matches(record, f.Key, value)));
    }

    /// <summary>docker lists stopped containers too when the filter asks for them by state or exit code.</summary>
    public static bool IncludesStopped(IReadOnlyDictionary<string, List<string>> filters) =>
        filters.ContainsKey("status") || filters.ContainsKey("exited");

    private static void Check(string key, string value)
    {
        switch (key)
        {
            case "status" when !States.Contains(value):
                throw FlotillaException.Invalid($"Invalid filter 'status={value}': a container's status is one of {string.Join(", ", States)}.");
            case "exited" when !int.TryParse(value, out _):
                throw FlotillaException.Invalid($"Invalid filter 'exited={value}': give an exit code (a whole number).");
            case "name":
                try
                {
                    _ = new Regex(value);
                }
                catch (ArgumentException e)
                {
                    throw FlotillaException.Invalid($"Invalid filter 'name={value}': not a regular expression ({e.Message}).");
                }

                break;
        }
    }

    /// <summary>An image id, whole or its first 12 or more hex digits, with or without "sha256:".</summary>
    private static bool IsImageId(string imageId, string value)
    {
        var digits = value.Replace("sha256:", "");
        return digits.Length >= 12 && imageId.Replace("sha256:", "").StartsWith(digits, StringComparison.Ordinal);
    }

    private static bool Matches(ContainerRecord r, string key, string value) => key switch
    {
        "id" => r.Id.StartsWith(value, StringComparison.Ordinal),
        // docker matches the name as a regular expression, anywhere in it ("web" finds "my-web-1").
        "name" => Regex.IsMatch(r.Name, value),
        "status" => ContainerView.State(r) == value,
        "label" => value.Split('=', 2) is [var name, var wanted]
            ? r.Labels.TryGetValue(name, out var actual) && actual == wanted
            : r.Labels.ContainsKey(value),
        "ancestor" => r.Image == value || r.Image == value + ":latest" || IsImageId(r.ImageId, value),
        "exited" => r.Status == ContainerLifecycle.Exited && r.ExitCode == int.Parse(value),
        _ => false,
    };
}
