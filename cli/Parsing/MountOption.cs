using System.Globalization;
using Flotilla.Client.Models;

namespace Flotilla.Cli.Parsing;

/// <summary>
/// One `--mount type=bind|volume|tmpfs,source=…,target=…[,readonly][,tmpfs-size=…][,tmpfs-mode=…]`, docker's
/// comma-separated KEY=VALUE form, into HostConfig.Mounts. A relative bind source is made absolute here, as for -v.
/// </summary>
public static class MountOption
{
    public static Mount Parse(string text, string currentDirectory)
    {
        var mount = new Mount { Type = "volume" };
        foreach (var field in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = field.IndexOf('=');
            var key = (eq < 0 ? field : field[..eq]).Trim().ToLowerInvariant();
            var value = eq < 0 ? null : field[(eq + 1)..].Trim();
            switch (key)
            {
                case "type":
                    mount.Type = Required(text, key, value);
                    break;
                case "source" or "src":
                    mount.Source = Required(text, key, value);
                    break;
                case "target" or "destination" or "dst":
                    mount.Target = Required(text, key, value);
                    break;
                case "readonly" or "ro":
                    mount.ReadOnly = value?.ToLowerInvariant() switch
                    {
                        null or "true" or "1" => true,
                        "false" or "0" => false,
                        _ => throw Invalid(text, $"'{field}': readonly takes true or false"),
                    };
                    break;
                case "tmpfs-size":
                    try
                    {
                        (mount.TmpfsOptions ??= new TmpfsOptions()).SizeBytes = MemorySize.Parse(Required(text, key, value), "tmpfs-size");
                    }
                    catch (FormatException e) when (!e.Message.StartsWith("invalid --mount", StringComparison.Ordinal))
                    {
                        throw Invalid(text, e.Message);
                    }

                    break;
                case "tmpfs-mode":
                    try
                    {
                        (mount.TmpfsOptions ??= new TmpfsOptions()).Mode = Convert.ToInt32(Required(text, key, value), 8);
                    }
                    catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
                    {
                        throw Invalid(text, $"tmpfs-mode '{value}' is not an octal mode such as 1777");
                    }

                    break;
                default:
                    throw Invalid(text, $"unknown key '{key}' (use type, source, target, readonly, tmpfs-size, tmpfs-mode)");
            }
        }

        if (mount.Target.Length == 0)
        {
            throw Invalid(text, "target is required (target=/path/in/container)");
        }

        if (mount.Type == "bind" && mount.Source is { } source && !source.StartsWith('/'))
        {
            mount.Source = Path.GetFullPath(source, currentDirectory);
        }

        return mount;
    }

    private static string Required(string text, string key, string? value) =>
        string.IsNullOrEmpty(value) ? throw Invalid(text, $"{key} needs a value ({key}=…)") : value;

    private static FormatException Invalid(string text, string why) =>
        new(string.Create(CultureInfo.InvariantCulture, $"invalid --mount '{text}': {why}"));
}
