using System.Net.Sockets;
using System.Runtime.InteropServices;
using Flotilla.Hypervisor.Vm;

namespace Flotilla.Hypervisor.HyperV;

/// <summary>Boots container VMs as Hyper-V utility VMs through the Host Compute Service.</summary>
public sealed class HyperVHost : IVirtualMachineHost
{
    public const string Requirement = "needs Windows 10 1809+/Server 2019 with the Hyper-V feature";

    public string? UnsupportedReason { get; } = Probe();

    public IReadOnlyList<KeyValuePair<string, string>> Facts { get; } =
        [new("hypervisor", "Hyper-V, Host Compute Service (computecore.dll), HCS schema 2.1")];

    public Task<IVirtualMachine> BootAsync(VmRequest request, CancellationToken ct) =>
        Task.Run<IVirtualMachine>(() =>
        {
            var system = HcsSystem.Create(request.Id, HcsJson.Serialize(UtilityVmDocument.Create(request)));
            Socket? listener = null;
            try
            {
                // As hcsshim does for its GCS: bind to the VM's runtime id after create, before the guest can connect.
                listener = HyperVMachine.Listen(system.RuntimeId());
                system.Start();
                return new HyperVMachine(system, listener);
            }
            catch
            {
                listener?.Dispose();
                system.Terminate();
                system.Dispose();
                throw;
            }
        }, ct);

    /// <summary>HCS's C API (computecore.dll) arrived with Windows 10 1809 (build 17763); it exists only with Hyper-V's host compute service.</summary>
    private static string? Probe() =>
        OperatingSystem.IsWindowsVersionAtLeast(10, 0, 17763) && NativeLibrary.TryLoad("computecore.dll", typeof(HyperVHost).Assembly, DllImportSearchPath.System32, out _)
            ? null
            : Requirement;
}

/// <summary>A running utility VM; its channel is the guest's AF_VSOCK connection, which the host sees as AF_HYPERV.</summary>
internal sealed class HyperVMachine : IVirtualMachine
{
    private readonly HcsSystem _system;
    private readonly Socket _listener;

    public HyperVMachine(HcsSystem system, Socket listener)
    {
        _system = system;
        _listener = listener;
        Stopped = Task.Factory.StartNew(system.WaitForExit, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Listens for the guest of <paramref name="runtimeId"/> only, on the service id of its vsock port.</summary>
    public static Socket Listen(Guid runtimeId)
    {
        var socket = new Socket(HvSocketEndPoint.HyperV, SocketType.Stream, HvSocketEndPoint.RawProtocol);
        try
        {
            socket.Bind(new HvSocketEndPoint(runtimeId, HvSocketEndPoint.VsockServiceId(UtilityVmDocument.ChannelPort)));
            socket.Listen(1);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public Task Stopped { get; }

    public async Task<Stream> AcceptChannelAsync(CancellationToken ct)
    {
        var connection = await _listener.AcceptAsync(ct);
        _listener.Dispose();
        return new NetworkStream(connection, ownsSocket: true);
    }

    public Task TerminateAsync() => Task.Run(_system.Terminate);

    public ValueTask DisposeAsync()
    {
        _listener.Dispose();
        _system.Terminate();
        _system.Dispose();
        return ValueTask.CompletedTask;
    }
}
