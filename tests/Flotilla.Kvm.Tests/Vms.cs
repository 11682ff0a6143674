namespace Flotilla.Kvm.Tests;

/// <summary>The QEMU processes a test daemon's containers run in: their command lines name its run directory.</summary>
public static class Vms
{
    public static IReadOnlyList<int> Of(string runDirectory) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(p => (Pid: int.TryParse(Path.GetFileName(p), out var pid) ? pid : 0, Path: p))
            .Where(p => p.Pid > 0 && CommandLine(p.Path) is { } c && c.Contains("qemu-system", StringComparison.Ordinal) && c.Contains(runDirectory, StringComparison.Ordinal))
            .Select(p => p.Pid)];

    private static string? CommandLine(string proc)
    {
        try
        {
            return File.ReadAllText(Path.Combine(proc, "cmdline"));
        }
        catch (Exception)
        {
            return null;
        }
    }
}
