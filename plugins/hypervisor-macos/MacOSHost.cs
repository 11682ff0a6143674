using System.Net.Sockets;
using Flotilla.Hypervisor.Vm;

namespace Flotilla.Hypervisor.MacOS;

/// <summary>Boots container VMs on Apple's Virtualization.framework by running one vfkit per VM, as podman machine does.</summary>
public sealed class MacOSHost(string? vfkit, string socketDirectory, IProcessLauncher launcher, bool isMacOS) : IVirtualMachineHost
{
    public const string Requirement = "needs macOS 12+ with vfkit";

    public string? UnsupportedReason { get; } =
        !isMacOS ? Requirement
        : vfkit is null ? "needs vfkit, which is not on PATH: install it with `brew install vfkit`, or pass --Plugins:hypervisor-macos:vfkit=PATH"
        : null;

    public IReadOnlyList<KeyValuePair<string, string>> Facts { get; } =
        [new("hypervisor", "Apple Virtualization.framework through vfkit"), new("vfkit", vfkit ?? "not found")];

    public Task<IVirtualMachine> BootAsync(VmRequest request, CancellationToken ct)
    {
        var paths = VfkitPaths.For(request, socketDirectory);
        var args = VfkitCommandLine.Build(request, paths);
        Directory.CreateDirectory(socketDirectory);
        File.Delete(paths.ChannelSocket);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(paths.ChannelSocket));
            listener.Listen(1);
            var process = launcher.Start(vfkit!, args, Path.Combine(request.StateDirectory, "vfkit.log"));
            return Task.FromResult<IVirtualMachine>(new VfkitMachine(process, listener, paths.ChannelSocket));
        }
        catch
        {
            listener.Dispose();
            File.Delete(paths.ChannelSocket);
            throw;
        }
    }

    public static string? FindVfkit(string? configured) =>
        configured ?? (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Concat(["/opt/homebrew/bin", "/usr/local/bin"])
            .Where(d => d.Length > 0)
            .Select(d => Path.Combine(d, "vfkit"))
            .FirstOrDefault(File.Exists);
}

/// <summary>One vfkit process: the VM lives exactly as long as it does.</summary>
internal sealed class VfkitMachine(IVmProcess process, Socket listener, string socketPath) : IVirtualMachine
{
    public Task Stopped => process.Exited;

    public async Task<Stream> AcceptChannelAsync(CancellationToken ct)
    {
        var connection = await listener.AcceptAsync(ct);
        return new NetworkStream(connection, ownsSocket: true);
    }

    public Task TerminateAsync()
    {
        process.Kill();
        return process.Exited;
    }

    public async ValueTask DisposeAsync()
    {
        listener.Dispose();
        File.Delete(socketPath);
        process.Kill();
        await process.Exited;
        process.Dispose();
    }
}
