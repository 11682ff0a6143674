using System.Runtime.InteropServices;

namespace Flotilla.Hypervisor.HyperV;

/// <summary>
/// The Host Compute Service's C API (computecore.h, Windows 10 1809+), bound as hcsshim binds it
/// (internal/computecore). Every call is asynchronous through an HCS_OPERATION whose result is waited for.
/// </summary>
internal static partial class ComputeCore
{
    private const string Library = "computecore.dll";

    public const uint Infinite = 0xFFFFFFFF;

    /// <summary>HRESULTs that mean "nothing left to stop" (hcsshim's ErrVmcomputeAlreadyStopped and friends).</summary>
    public static readonly int[] AlreadyGone = [unchecked((int)0xC0370110), unchecked((int)0x80370110), unchecked((int)0xC037010E)];

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial nint HcsCreateOperation(nint context, nint callback);

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial void HcsCloseOperation(nint operation);

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial int HcsWaitForOperationResult(nint operation, uint timeoutMs, out nint resultDocument);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial int HcsCreateComputeSystem(string id, string configuration, nint operation, nint securityDescriptor, out nint computeSystem);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial int HcsStartComputeSystem(nint computeSystem, nint operation, string? options);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial int HcsTerminateComputeSystem(nint computeSystem, nint operation, string? options);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial int HcsGetComputeSystemProperties(nint computeSystem, nint operation, string? propertyQuery);

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial int HcsWaitForComputeSystemExit(nint computeSystem, uint timeoutMs, out nint result);

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial void HcsCloseComputeSystem(nint computeSystem);

    [LibraryImport("kernel32.dll")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial nint LocalFree(nint memory);

    /// <summary>Takes ownership of a string HCS allocated (LocalAlloc) and frees it.</summary>
    public static string? TakeString(nint document)
    {
        if (document == 0)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUni(document);
        }
        finally
        {
            LocalFree(document);
        }
    }
}
