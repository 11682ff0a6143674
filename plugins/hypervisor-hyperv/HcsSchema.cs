using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flotilla.Hypervisor.HyperV;

// The part of the HCS schema v2 a Linux utility VM needs, named as in hcsshim's internal/hcs/schema2 (its Go
// structs mirror Microsoft's published schema). Zero and null members are left out, as Go's omitempty does.

public sealed record ComputeSystem(string Owner, SchemaVersion SchemaVersion, VirtualMachine VirtualMachine, bool ShouldTerminateOnLastHandleClosed);

public sealed record SchemaVersion(int Major, int Minor);

public sealed record VirtualMachine(bool StopOnReset, Chipset Chipset, Topology ComputeTopology, Devices Devices);

public sealed record Chipset(LinuxKernelDirect LinuxKernelDirect);

public sealed record LinuxKernelDirect(string KernelFilePath, string InitRdPath, string KernelCmdLine);

public sealed record Topology(VirtualMachineMemory Memory, VirtualMachineProcessor Processor);

public sealed record VirtualMachineMemory(ulong SizeInMB, bool AllowOvercommit);

public sealed record VirtualMachineProcessor(uint Count);

public sealed record Devices(HvSocket2 HvSocket, Plan9 Plan9);

public sealed record HvSocket2(HvSocketSystemConfig HvSocketConfig);

public sealed record HvSocketSystemConfig(string DefaultBindSecurityDescriptor, IReadOnlyDictionary<string, HvSocketServiceConfig> ServiceTable);

public sealed record HvSocketServiceConfig(string BindSecurityDescriptor, string ConnectSecurityDescriptor, bool AllowWildcardBinds);

public sealed record Plan9(IReadOnlyList<Plan9Share>? Shares = null);

/// <param name="Name">HCS's name for the share.</param>
/// <param name="AccessName">What the guest passes as 9p's <c>aname</c> to reach it.</param>
/// <param name="Port">The vsock port of HCS's 9p server in the guest's view.</param>
public sealed record Plan9Share(string Name, string AccessName, string Path, int Port, Plan9ShareFlags Flags);

[Flags]
public enum Plan9ShareFlags
{
    None = 0,
    ReadOnly = 0x1,
    LinuxMetadata = 0x4,
}

public static class HcsJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
    };

    public static string Serialize<T>(T document) => JsonSerializer.Serialize(document, Options);
}
