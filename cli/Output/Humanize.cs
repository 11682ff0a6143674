namespace Flotilla.Cli.Output;

/// <summary>docker's human forms: "3 seconds ago", "4.3MB", 12-character ids.</summary>
public static class Humanize
{
    public static string ShortId(string id) => (id.StartsWith("sha256:") ? id[7..] : id) is var s && s.Length > 12 ? s[..12] : s;

    public static string Ago(DateTimeOffset time, DateTimeOffset now) => Duration(now - time) + " ago";

    public static string Duration(TimeSpan d)
    {
        var seconds = (int)Math.Max(0, d.TotalSeconds);
        if (seconds < 1) return "Less than a second";
        if (seconds == 1) return "1 second";
        if (seconds < 60) return $"{seconds} seconds";
        var minutes = (int)d.TotalMinutes;
        if (minutes == 1) return "About a minute";
        if (minutes < 60) return $"{minutes} minutes";
        var hours = (int)Math.Round(d.TotalHours);
        if (hours == 1) return "About an hour";
        if (hours < 48) return $"{hours} hours";
        if (hours < 24 * 7 * 2) return $"{hours / 24} days";
        if (hours < 24 * 30 * 2) return $"{hours / 24 / 7} weeks";
        if (hours < 24 * 365 * 2) return $"{hours / 24 / 30} months";
        return $"{hours / 24 / 365} years";
    }

    /// <summary>Decimal units with three significant digits, as docker prints image sizes.</summary>
    public static string Size(long bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1000 && unit < units.Length - 1)
        {
            value /= 1000;
            unit++;
        }

        return $"{value.ToString(value < 10 ? "0.##" : value < 100 ? "0.#" : "0", System.Globalization.CultureInfo.InvariantCulture)}{units[unit]}";
    }
}
