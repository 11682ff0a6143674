using System.Text.Json;
using Flotilla.Plugins;

namespace Flotilla.Hypervisor.HyperV;

/// <summary>One HCS compute system handle, each call made synchronous the way hcsshim's computecore wrappers do.</summary>
internal sealed class HcsSystem : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(4);

    private nint _handle;

    private HcsSystem(string id, nint handle)
    {
        Id = id;
        _handle = handle;
    }

    public string Id { get; }

    public static HcsSystem Create(string id, string document)
    {
        nint handle = 0;
        Run($"create the utility VM {id}", op => ComputeCore.HcsCreateComputeSystem(id, document, op, 0, out handle));
        return new HcsSystem(id, handle);
    }

    public void Start() => Run($"start the utility VM {Id}", op => ComputeCore.HcsStartComputeSystem(_handle, op, null));

    /// <summary>The VM's runtime id: its address for AF_HYPERV sockets (hcsshim caches it the same way after create).</summary>
    public Guid RuntimeId()
    {
        var document = Run($"read the properties of the utility VM {Id}", op => ComputeCore.HcsGetComputeSystemProperties(_handle, op, "{}"));
        using var json = JsonDocument.Parse(document ?? "{}");
        return json.RootElement.TryGetProperty("RuntimeId", out var id) && Guid.TryParse(id.GetString(), out var guid)
            ? guid
            : throw new PluginException($"HCS did not report a RuntimeId for the utility VM {Id}: {document}");
    }

    public void Terminate()
    {
        try
        {
            Run($"terminate the utility VM {Id}", op => ComputeCore.HcsTerminateComputeSystem(_handle, op, null));
        }
        catch (HcsException e) when (ComputeCore.AlreadyGone.Contains(e.HResult))
        {
        }
    }

    /// <summary>Blocks until the VM has stopped, however it stopped.</summary>
    public void WaitForExit()
    {
        var hr = ComputeCore.HcsWaitForComputeSystemExit(_handle, ComputeCore.Infinite, out var result);
        var document = ComputeCore.TakeString(result);
        if (hr < 0 && !ComputeCore.AlreadyGone.Contains(hr))
        {
            throw new HcsException($"wait for the utility VM {Id} to exit", hr, document);
        }
    }

    public void Dispose()
    {
        var handle = Interlocked.Exchange(ref _handle, 0);
        if (handle != 0)
        {
            ComputeCore.HcsCloseComputeSystem(handle);
        }
    }

    private static string? Run(string what, Func<nint, int> call)
    {
        var operation = ComputeCore.HcsCreateOperation(0, 0);
        if (operation == 0)
        {
            throw new PluginException($"could not {what}: HcsCreateOperation failed (is the Hyper-V feature enabled and the daemon running as an administrator?)");
        }

        try
        {
            var hr = call(operation);
            if (hr >= 0)
            {
                hr = ComputeCore.HcsWaitForOperationResult(operation, (uint)CallTimeout.TotalMilliseconds, out var result);
                var document = ComputeCore.TakeString(result);
                return hr >= 0 ? document : throw new HcsException(what, hr, document);
            }

            throw new HcsException(what, hr, null);
        }
        finally
        {
            ComputeCore.HcsCloseOperation(operation);
        }
    }
}

/// <summary>A failed HCS call: the HRESULT and HCS's own result document, which says what it refused.</summary>
internal sealed class HcsException : PluginException
{
    public HcsException(string what, int hresult, string? resultDocument)
        : base($"could not {what}: HCS returned 0x{hresult:X8}{(string.IsNullOrEmpty(resultDocument) ? "" : ": " + resultDocument)}") =>
        HResult = hresult;
}
