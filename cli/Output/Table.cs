namespace Flotilla.Cli.Output;

/// <summary>Columns padded to their widest cell with three spaces between them, like docker's tables.</summary>
public static class Table
{
    public static string Render(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { headers };
        all.AddRange(rows);
        var widths = Enumerable.Range(0, headers.Count).Select(c => all.Max(r => r[c].Length)).ToArray();
        var lines = all.Select(r => string.Join("   ", r.Select((cell, c) => c == r.Count - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        return string.Join('\n', lines) + "\n";
    }
}
