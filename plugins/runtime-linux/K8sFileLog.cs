using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Flotilla.Plugins;

namespace Flotilla.Runtime.Linux;

/// <summary>
/// Reads the k8s-file log our monitor writes (conmon's format): one line per record, "TIME STREAM TAG TEXT", where TIME is RFC 3339 with
/// nanoseconds, STREAM stdout|stderr and TAG F (a full line, a newline follows) or P (a partial line).
/// </summary>
public static class K8sFileLog
{
    public static async IAsyncEnumerable<LogEntry> ReadAsync(string path, Func<bool> finished, bool follow, [EnumeratorCancellation] CancellationToken ct)
    {
        while (!File.Exists(path))
        {
            if (!follow || finished())
            {
                yield break;
            }

            await Task.Delay(100, ct);
        }

        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var pending = new StringBuilder();
        var buffer = new byte[64 * 1024];
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[buffer.Length];
        while (true)
        {
            var n = await file.ReadAsync(buffer, ct);
            if (n > 0)
            {
                var count = decoder.GetChars(buffer, 0, n, chars, 0);
                pending.Append(chars, 0, count);
                var text = pending.ToString();
                var lastNewline = text.LastIndexOf('\n');
                if (lastNewline >= 0)
                {
                    foreach (var line in text[..lastNewline].Split('\n'))
                    {
                        if (Parse(line) is { } entry)
                        {
                            yield return entry;
                        }
                    }

                    pending.Clear().Append(text[(lastNewline + 1)..]);
                }

                continue;
            }

            // At the end of what is written so far: done, unless following a container that still runs.
            if (!follow)
            {
                yield break;
            }

            if (finished())
            {
                // One more read: the monitor drains the last output before it writes the exit file.
                if ((n = await file.ReadAsync(buffer, ct)) == 0)
                {
                    yield break;
                }

                file.Seek(-n, SeekOrigin.Current);
                continue;
            }

            await Task.Delay(50, ct);
        }
    }

    public static LogEntry? Parse(string line)
    {
        var parts = line.Split(' ', 4);
        if (parts.Length < 3)
        {
            return null;
        }

        var time = DateTimeOffset.TryParse(SevenDigitFraction(parts[0]), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : DateTimeOffset.MinValue;
        var stream = parts[1] == "stderr" ? StdStream.Stderr : StdStream.Stdout;
        var text = parts.Length == 4 ? parts[3] : "";
        var data = parts[2] == "P" ? text : text + "\n";
        return new LogEntry(time, stream, Encoding.UTF8.GetBytes(data));
    }

    /// <summary>.NET parses at most 7 fractional digits; the monitor writes 9.</summary>
    private static string SevenDigitFraction(string time)
    {
        var dot = time.IndexOf('.');
        if (dot < 0)
        {
            return time;
        }

        var end = dot + 1;
        while (end < time.Length && char.IsDigit(time[end]))
        {
            end++;
        }

        return end - dot - 1 > 7 ? time[..(dot + 8)] + time[end..] : time;
    }
}
