using Flotilla.Client.Models;

namespace Flotilla.Cli.Registry;

/// <summary>
/// Shows a pull or push as docker does. On a terminal: one line per layer, redrawn in place with a progress bar.
/// Otherwise: only the lines about the whole image (no per-layer chatter in scripts and logs). Quiet: nothing.
/// </summary>
public sealed class ProgressDisplay(TextWriter output, bool terminal, bool quiet) : IProgress<PullProgress>
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, string> _lines = [];

    public static ProgressDisplay For(TextWriter output, bool outputRedirected, bool quiet) => new(output, !outputRedirected, quiet);

    public void Report(PullProgress p)
    {
        if (quiet)
        {
            return;
        }

        lock (_order)
        {
            if (p.Id is null || !terminal)
            {
                if (p.Id is null || !IsLayer(p))
                {
                    output.WriteLine(p.Id is null ? p.Status : $"{p.Id}: {p.Status}");
                }

                return;
            }

            var line = $"{p.Id}: {p.Status}" + (p.Current is { } c && p.Total is > 0 and var t ? " " + Bar(c, t) : "");
            var index = _order.IndexOf(p.Id);
            if (index < 0)
            {
                _order.Add(p.Id);
                _lines[p.Id] = line;
                output.WriteLine(line);
                return;
            }

            // Up to the layer's line, rewrite it, back down (docker's jsonmessage does the same with ANSI moves).
            var up = _order.Count - index;
            output.Write($"\u001b[{up}A\r\u001b[2K{line}\r\u001b[{up}B");
            _lines[p.Id] = line;
        }
    }

    // Per-layer lines carry a layer's short digest (12 hex digits); others (the tag) are about the whole image.
    private static bool IsLayer(PullProgress p) => p.Id!.Length == 12 && p.Id.All(char.IsAsciiHexDigitLower);

    private static string Bar(long current, long total)
    {
        const int width = 40;
        var filled = (int)Math.Clamp(current * width / total, 0, width);
        return "[" + new string('=', filled) + (filled < width ? ">" + new string(' ', width - filled - 1) : "") + "] "
               + Output.Humanize.Size(current) + "/" + Output.Humanize.Size(total);
    }
}
