namespace Flotilla.Cli.Output;

/// <summary>docker's tables: each column padded to its widest cell, three spaces between columns, no trailing blanks.</summary>
public static class Table
{
    public static string Render(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { headers };
        foreach (var row in rows)
        {
            if (row.Count != headers.Count)
            {
                throw new ArgumentException($"a table row has {row.Count} cells for {headers.Count} columns");
            }

            all.Add(row);
        }

        var widths = Enumerable.Range(0, headers.Count).Select(c => all.Max(r => r[c].Length)).ToArray();
        var lines = all.Select(r => string.Join("   ", r.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
        return string.Join('\n', lines) + "\n";
    }
}
