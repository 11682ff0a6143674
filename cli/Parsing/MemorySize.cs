using System.Globalization;

namespace Flotilla.Cli.Parsing;

/// <summary>docker's memory sizes: a number with an optional b, k, m or g suffix (binary units).</summary>
public static class MemorySize
{
    public static long Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t.EndsWith('b') && t.Length > 1 && !char.IsDigit(t[^2]))
        {
            t = t[..^1];
        }

        var (number, multiplier) = t.Length > 0 && char.IsLetter(t[^1])
            ? (t[..^1], t[^1] switch
            {
                'b' => 1L,
                'k' => 1L << 10,
                'm' => 1L << 20,
                'g' => 1L << 30,
                't' => 1L << 40,
                _ => throw new FormatException($"invalid size: '{text}' (use a number with b, k, m or g)"),
            })
            : (t, 1L);
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? (long)(value * multiplier)
            : throw new FormatException($"invalid size: '{text}' (use a number with b, k, m or g)");
    }

    /// <summary>"--cpus 0.5" → docker's NanoCpus.</summary>
    public static long ParseCpus(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var cpus) && cpus >= 0
            ? (long)Math.Round(cpus * 1e9)
            : throw new FormatException($"invalid --cpus value '{text}': give a number of CPUs such as 0.5");
}
