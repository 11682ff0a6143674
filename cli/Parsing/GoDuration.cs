using System.Globalization;
using System.Text.RegularExpressions;

namespace Flotilla.Cli.Parsing;

/// <summary>docker's durations, as Go writes them: "300ms", "5s", "1m30s", "2h".</summary>
public static partial class GoDuration
{
    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")]
    private static partial Regex Part();

    public static TimeSpan Parse(string text, string flag)
    {
        var matches = Part().Matches(text);
        if (text == "0")
        {
            return TimeSpan.Zero;
        }

        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != text)
        {
            throw new FormatException($"invalid argument \"{text}\" for \"{flag}\" flag: give a duration such as 500ms, 5s, 1m30s or 2h");
        }

        var ticks = 0.0;
        foreach (Match m in matches)
        {
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            ticks += m.Groups[2].Value switch
            {
                "ns" => n / 100,
                "us" or "µs" => n * 10,
                "ms" => n * TimeSpan.TicksPerMillisecond,
                "s" => n * TimeSpan.TicksPerSecond,
                "m" => n * TimeSpan.TicksPerMinute,
                _ => n * TimeSpan.TicksPerHour,
            };
        }

        return TimeSpan.FromTicks((long)ticks);
    }

    public static long Nanoseconds(string text, string flag) => Parse(text, flag).Ticks * 100;
}
