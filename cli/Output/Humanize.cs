using System.Globalization;

namespace Flotilla.Cli.Output;

/// <summary>docker's human forms: "3 seconds ago", "4.3MB", 12-character ids.</summary>
public static class Humanize
{
    public static string ShortId(string id) => (id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..] : id) is var s && s.Length > 12 ? s[..12] : s;

    public static string Ago(DateTimeOffset time, DateTimeOffset now) => Duration(now - time) + " ago";

    public static string Duration(TimeSpan d) => Flotilla.Client.HumanDuration.Format(d);

    /// <summary>docker's units.HumanSize: decimal units, three significant digits ("4.3MB", "123kB").</summary>
    public static string Size(long bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB", "PB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1000 && unit < units.Length - 1)
        {
            value /= 1000;
            unit++;
        }

        // Rounding to three digits may reach 1000 ("999.9kB" → "1e+03kB" in Go); say "1MB" instead.
        if (Math.Round(value) >= 1000 && unit < units.Length - 1)
        {
            value /= 1000;
            unit++;
        }

        var format = value < 10 ? "0.##" : value < 100 ? "0.#" : "0";
        return value.ToString(format, CultureInfo.InvariantCulture) + units[unit];
    }

    /// <summary>docker ps's COMMAND column: quoted, cut to 20 characters with an ellipsis.</summary>
    public static string Command(string command) => "\"" + (command.Length > 20 ? command[..19] + "…" : command) + "\"";
}
