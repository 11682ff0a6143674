namespace Flotilla.Runtime.Linux;

/// <summary>This process' mounts, from /proc/self/mountinfo.</summary>
public sealed record MountTable(string MountPoint, string FsType)
{
    public static IReadOnlyList<MountTable> Read() =>
        [.. File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(" - ", 2))
            .Where(p => p.Length == 2)
            .Select(p => new MountTable(Unescape(p[0].Split(' ')[4]), p[1].Split(' ')[0]))];

    public static bool IsMountPoint(string path) => Read().Any(m => m.MountPoint == path);

    private static string Unescape(string s) => s.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\");
}
