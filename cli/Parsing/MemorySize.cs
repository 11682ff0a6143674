using System.Globalization;

namespace Flotilla.Cli.Parsing;

/// <summary>docker's sizes (RAMInBytes): a number, then optionally b, k, m, g, t or p (binary units), "i" and "b" allowed after.</summary>
public static class MemorySize
{
    public static long Parse(string text, string flag = "--memory")
    {
        var t = text.Trim();
        var digits = 0;
        while (digits < t.Length && (char.IsAsciiDigit(t[digits]) || t[digits] == '.'))
        {
            digits++;
        }

        var unit = t[digits..].TrimStart(' ').ToLowerInvariant();
        var multiplier = unit switch
        {
            "" or "b" => 1L,
            "k" or "kb" or "ki" or "kib" => 1L << 10,
            "m" or "mb" or "mi" or "mib" => 1L << 20,
            "g" or "gb" or "gi" or "gib" => 1L << 30,
            "t" or "tb" or "ti" or "tib" => 1L << 40,
            "p" or "pb" or "pi" or "pib" => 1L << 50,
            _ => 0L,
        };
        if (digits == 0 || multiplier == 0 || !char.IsAsciiDigit(t[0]) ||
            !double.TryParse(t[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) ||
            value * multiplier > long.MaxValue)
        {
            throw new FormatException($"invalid {flag} value '{text}': give a size such as 512k, 16m or 1g (units b, k, m, g)");
        }

        return (long)(value * multiplier);
    }

    /// <summary>"--cpus 0.5" → docker's NanoCpus.</summary>
    public static long ParseCpus(string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var cpus) && cpus > 0 && cpus < 1e9
            ? (long)Math.Round(cpus * 1e9)
            : throw new FormatException($"invalid --cpus value '{text}': give a positive number of CPUs such as 0.5 or 2");
}
