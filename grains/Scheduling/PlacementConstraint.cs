using Flotilla.Grains.Swarm;

namespace Flotilla.Grains.Scheduling;

/// <summary>
/// One of docker's placement constraints: "node.labels.region==east", "node.role!=manager", "node.hostname==n1",
/// "node.id==…", "node.platform.os==linux", "node.platform.arch==x86_64".
/// </summary>
public sealed record PlacementConstraint(string Key, bool Equal, string Value)
{
    private static readonly string[] Keys = ["node.id", "node.hostname", "node.role", "node.platform.os", "node.platform.arch"];

    public static PlacementConstraint Parse(string text)
    {
        var op = text.Contains("==", StringComparison.Ordinal) ? "==" : text.Contains("!=", StringComparison.Ordinal) ? "!=" : null;
        var parts = op is null ? [] : text.Split(op, 2);
        var key = parts.Length == 2 ? parts[0].Trim() : "";
        var value = parts.Length == 2 ? parts[1].Trim() : "";
        if (key.Length == 0 || value.Length == 0)
        {
            throw FlotillaException.Invalid($"invalid constraint '{text}': expected KEY==VALUE or KEY!=VALUE, e.g. node.labels.region==east.");
        }

        var known = Keys.Contains(key, StringComparer.OrdinalIgnoreCase)
                    || (key.StartsWith("node.labels.", StringComparison.OrdinalIgnoreCase) && key.Length > "node.labels.".Length);
        if (!known)
        {
            throw FlotillaException.Invalid($"invalid constraint '{text}': unknown key '{key}'. Use node.labels.NAME, node.id, node.hostname, node.role, node.platform.os or node.platform.arch.");
        }

        return new PlacementConstraint(key, op == "==", value);
    }

    public bool IsSatisfiedBy(NodeRecord node)
    {
        var actual = Key.ToLowerInvariant() switch
        {
            "node.id" => node.Id,
            "node.hostname" => node.Description.Name,
            "node.role" => node.Role.ToString().ToLowerInvariant(),
            "node.platform.os" => node.Description.Os,
            "node.platform.arch" => node.Description.Architecture,
            _ => node.Labels.GetValueOrDefault(Key["node.labels.".Length..]),
        };
        var equal = string.Equals(actual, Value, StringComparison.OrdinalIgnoreCase);
        return Equal ? equal : !equal;
    }

    public override string ToString() => $"{Key}{(Equal ? "==" : "!=")}{Value}";
}
