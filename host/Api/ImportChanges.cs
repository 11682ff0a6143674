using Flotilla.Grains;
using Flotilla.Images;

namespace Flotilla.Host.Api;

/// <summary>docker import's --change instructions that make sense for a root filesystem: CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL.</summary>
public static class ImportChanges
{
    public static ImportOptions Parse(IReadOnlyList<string> changes, string? message)
    {
        var options = new ImportOptions { Message = message };
        var env = new List<string>();
        var labels = new Dictionary<string, string>();
        foreach (var change in changes)
        {
            var parts = change.Trim().Split(' ', 2, StringSplitOptions.TrimEntries);
            var value = parts.Length == 2 ? parts[1] : throw FlotillaException.Invalid($"--change '{change}': expected INSTRUCTION VALUE");
            options = parts[0].ToUpperInvariant() switch
            {
                "CMD" => options with { Cmd = Command(value) },
                "ENTRYPOINT" => options with { Entrypoint = Command(value) },
                "WORKDIR" => options with { WorkingDir = value },
                "USER" => options with { User = value },
                "ENV" => Add(options, env, value.Replace(' ', '=')),
                "LABEL" => AddLabel(options, labels, value),
                _ => throw FlotillaException.Invalid($"--change '{change}': {parts[0]} is not supported (use CMD, ENTRYPOINT, ENV, WORKDIR, USER or LABEL)"),
            };
        }

        return options;

        static ImportOptions Add(ImportOptions o, List<string> env, string entry)
        {
            env.Add(entry.Contains('=') ? entry : entry + "=");
            return o with { Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", .. env] };
        }

        static ImportOptions AddLabel(ImportOptions o, Dictionary<string, string> labels, string entry)
        {
            var kv = entry.Split('=', 2);
            labels[kv[0]] = kv.Length == 2 ? kv[1].Trim('"') : "";
            return o with { Labels = labels };
        }
    }

    /// <summary>JSON array form (["sh","-c","x"]) or shell form (wrapped in /bin/sh -c).</summary>
    private static string[] Command(string value) =>
        value.StartsWith('[')
            ? System.Text.Json.JsonSerializer.Deserialize(value, Flotilla.Host.Api.ImportJson.Default.StringArray) ?? []
            : ["/bin/sh", "-c", value];
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class ImportJson : System.Text.Json.Serialization.JsonSerializerContext;
