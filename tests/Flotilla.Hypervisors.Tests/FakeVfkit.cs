using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using Flotilla.Guest;
using Flotilla.Hypervisor.MacOS;

namespace Flotilla.Hypervisors.Tests;

/// <summary>
/// Stands in for vfkit and the guest init in logic tests: it reads the per-run config from the initrd vfkit was
/// given, connects to the channel socket as vfkit does when the guest connects, and plays the command by its argv[0].
/// </summary>
public sealed class FakeVfkit : IProcessLauncher
{
    public ConcurrentQueue<FakeVm> Started { get; } = new();

    public IVmProcess Start(string file, IReadOnlyList<string> args, string outputLog)
    {
        string Option(string device, string key) =>
            args.Where(a => a.StartsWith(device, StringComparison.Ordinal)).SelectMany(a => a.Split(','))
                .First(o => o.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..];

        var vm = new FakeVm(args, CpioReader.Read(File.ReadAllBytes(Option("linux", "initrd"))), Option("virtio-vsock", "socketURL"));
        Started.Enqueue(vm);
        vm.Boot();
        return vm;
    }
}

public sealed class FakeVm(IReadOnlyList<string> args, Dictionary<string, byte[]> initrd, string channelSocket) : IVmProcess
{
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socket? _guest;

    public IReadOnlyList<string> Args { get; } = args;

    public IReadOnlyDictionary<string, byte[]> Initrd { get; } = initrd;

    public string[] Argv => Text("flotilla/argv").TrimEnd('\0').Split('\0');

    public bool Killed { get; private set; }

    public Task Exited => _exited.Task;

    public string Text(string file) => Encoding.UTF8.GetString(Initrd[file]);

    public void Kill()
    {
        Killed = true;
        _guest?.Dispose();
        _exited.TrySetResult();
    }

    public void Dispose() => _guest?.Dispose();

    public void Boot() => _ = Task.Run(async () =>
    {
        try
        {
            await RunGuestAsync();
        }
        catch (Exception) when (Killed)
        {
        }
        catch (Exception e)
        {
            Console.Error.WriteLine("FAKEVM " + e);
            throw;
        }
        finally
        {
            _exited.TrySetResult();
        }
    });

    private async Task RunGuestAsync()
    {
        switch (Argv[0])
        {
            case "hang":
                await Task.Delay(Timeout.Infinite, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token).ContinueWith(_ => { });
                return;
            case "crash":
                return;
        }

        _guest = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await _guest.ConnectAsync(new UnixDomainSocketEndPoint(channelSocket));
        await using var channel = new NetworkStream(_guest);
        var output = new FrameWriter(channel);
        var input = new FrameReader(channel);
        await output.WriteAsync(new Frame(FrameType.Stdout, ReadOnlyMemory<byte>.Empty), default); // "started", as init.c sends
        switch (Argv[0])
        {
            case "echo":
                await Send(output, FrameType.Stdout, string.Join(' ', Argv[1..]) + "\n");
                await Send(output, FrameType.Stderr, "to stderr\n");
                await output.WriteAsync(Frame.Exit(0), default);
                break;
            case "exit":
                await output.WriteAsync(Frame.Exit(int.Parse(Argv[1])), default);
                break;
            case "cat":
                while (await input.ReadAsync(default) is { Type: FrameType.Stdin } data)
                {
                    await output.WriteAsync(new Frame(FrameType.Stdout, data.Payload), default);
                }

                await output.WriteAsync(Frame.Exit(0), default);
                break;
            case "sleep":
                var signal = await input.ReadAsync(default);
                await output.WriteAsync(Frame.Exit(128 + signal!.Value.Number), default);
                break;
            case "die":
                await Send(output, FrameType.Stdout, "partial\n");
                break;
        }
    }

    private static ValueTask Send(FrameWriter output, FrameType type, string text) =>
        output.WriteAsync(new Frame(type, Encoding.UTF8.GetBytes(text)), default);
}
