using System.Text.Json;

namespace Flotilla.Hypervisor.Vm;

/// <summary>What a VM runtime keeps on disk for one container, so that it still knows it after a daemon restart.</summary>
internal sealed record VmContainerRecord(VmRequest Request, bool OpenStdin)
{
    public static string FileIn(string directory) => Path.Combine(directory, "container.json");

    public void Save(string directory) => File.WriteAllText(FileIn(directory), JsonSerializer.Serialize(this));

    public static VmContainerRecord? Load(string directory) =>
        File.Exists(FileIn(directory)) ? JsonSerializer.Deserialize<VmContainerRecord>(File.ReadAllText(FileIn(directory))) : null;
}

internal sealed record VmExitRecord(int ExitCode, DateTimeOffset FinishedAt, string? Error)
{
    public static string FileIn(string directory) => Path.Combine(directory, "exit.json");

    public void Save(string directory) => File.WriteAllText(FileIn(directory), JsonSerializer.Serialize(this));

    public static VmExitRecord? Load(string directory) =>
        File.Exists(FileIn(directory)) ? JsonSerializer.Deserialize<VmExitRecord>(File.ReadAllText(FileIn(directory))) : null;
}
