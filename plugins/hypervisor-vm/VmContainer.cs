using Flotilla.Guest;
using Flotilla.Plugins;
using Microsoft.Extensions.Logging;

namespace Flotilla.Hypervisor.Vm;

/// <summary>
/// One container's VM from boot to exit: it reads the guest's frames, records the output, hands it to attached
/// clients and keeps the exit code the guest reports. The VM lives as long as the daemon holds it.
/// </summary>
internal sealed class VmContainer(string directory, VmContainerRecord record, ILogger logger)
{
    /// <summary>After the VM is gone, how long the channel may still deliver what the guest sent before it.</summary>
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan AcceptGrace = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan PowerOffGrace = TimeSpan.FromSeconds(5);

    private readonly List<VmStreams> _subscribers = [];
    private readonly TaskCompletionSource<ContainerExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IVirtualMachine? _vm;
    private Stream? _channel;
    private FrameWriter? _input;
    private volatile bool _killed;

    public string Directory { get; } = directory;

    public VmContainerRecord Record { get; } = record;

    public FrameLog Log { get; } = new(Path.Combine(directory, "output.log"));

    public DateTimeOffset? StartedAt { get; private set; }

    public Task<ContainerExit> Exited => _exited.Task;

    public bool Running => StartedAt is not null && !_exited.Task.IsCompleted;

    /// <summary>A container found on disk after a restart: it already ended, or it ran in the daemon that is gone.</summary>
    public void MarkEnded(VmExitRecord exit) =>
        _exited.TrySetResult(new ContainerExit(exit.ExitCode, exit.FinishedAt, Error: exit.Error));

    public VmStreams Subscribe()
    {
        var streams = new VmStreams(this);
        lock (_subscribers)
        {
            if (_exited.Task.IsCompleted)
            {
                streams.Complete();
            }
            else
            {
                _subscribers.Add(streams);
            }
        }

        return streams;
    }

    public void Unsubscribe(VmStreams streams)
    {
        lock (_subscribers)
        {
            _subscribers.Remove(streams);
        }
    }

    public async Task StartAsync(IVirtualMachineHost host, TimeSpan bootTimeout, CancellationToken ct)
    {
        _vm = await host.BootAsync(Record.Request, ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(bootTimeout);
        try
        {
            var accept = _vm.AcceptChannelAsync(timeout.Token);
            if (await Task.WhenAny(accept, _vm.Stopped) != accept)
            {
                // A guest that ran briefly may have connected, sent everything and powered off already: its
                // connection still waits to be accepted, so a stopped VM is a failed boot only if none comes.
                await Task.WhenAny(accept, Task.Delay(AcceptGrace, CancellationToken.None));
            }

            if (!accept.IsCompletedSuccessfully && _vm.Stopped.IsCompleted)
            {
                await timeout.CancelAsync();
                await StopAndReleaseAsync();
                throw new PluginException(
                    $"the VM of container {Record.Request.Id} stopped before its guest init connected: the kernel ({Record.Request.Kernel}) " +
                    $"or the initramfs does not boot on this hypervisor (its console output is in {Record.Request.StateDirectory})");
            }

            _channel = await accept;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.Sockets.SocketException)
        {
            await StopAndReleaseAsync();
            throw new PluginException(
                $"the guest did not open its channel within {bootTimeout.TotalSeconds:0} s, so the VM was stopped: check that the kernel " +
                $"({Record.Request.Kernel}) and the initramfs with the Flotilla guest init match this hypervisor, or raise boot-timeout",
                PluginErrorKind.Failed, e);
        }

        _input = new FrameWriter(_channel);
        StartedAt = DateTimeOffset.UtcNow;
        File.WriteAllText(Path.Combine(Directory, "started"), StartedAt.Value.ToString("O"));
        _ = UnblockWhenVmStopsAsync(_vm, _channel);
        _ = Task.Run(PumpAsync, CancellationToken.None);
    }

    public async Task KillAsync(int signal, CancellationToken ct)
    {
        if (!Running)
        {
            throw new PluginException($"container {Record.Request.Id} is not running", PluginErrorKind.Conflict);
        }

        if (signal == 9)
        {
            // SIGKILL cannot be caught in the guest either: power the VM off, as a killed process' VM would.
            _killed = true;
            await _vm!.TerminateAsync();
            return;
        }

        await SendAsync(w => w.WriteAsync(Frame.Signal(signal), ct));
    }

    public ValueTask WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken ct) =>
        Record.OpenStdin ? SendAsync(w => w.WriteStdinAsync(data, ct)) : ValueTask.CompletedTask;

    public ValueTask CloseInputAsync(CancellationToken ct) =>
        Record.OpenStdin ? SendAsync(w => w.WriteAsync(Frame.StdinClosed(), ct)) : ValueTask.CompletedTask;

    private async ValueTask SendAsync(Func<FrameWriter, ValueTask> send)
    {
        if (_input is null || _exited.Task.IsCompleted)
        {
            return;
        }

        try
        {
            await send(_input);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The guest is going away; the pump reports how it ended.
        }
    }

    private async Task PumpAsync()
    {
        int? code = null;
        string? error = null;
        try
        {
            var reader = new FrameReader(_channel!);
            while (code is null && await reader.ReadAsync(CancellationToken.None) is { } frame)
            {
                switch (frame.Type)
                {
                    // The guest sends one empty stdout frame when the command has started: not output.
                    case FrameType.Stdout or FrameType.Stderr when frame.Payload.Length > 0:
                        Deliver(new OutputFrame((StdStream)frame.Type, frame.Payload));
                        break;
                    case FrameType.Exit:
                        code = frame.Number;
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidDataException or EndOfStreamException)
        {
            error = e.Message;
        }

        if (code is not null)
        {
            // The guest syncs and powers off after its exit frame; give it that before pulling the plug.
            await Task.WhenAny(_vm!.Stopped, Task.Delay(PowerOffGrace));
        }

        await StopAndReleaseAsync();
        var exit = new VmExitRecord(
            code ?? (_killed ? 137 : 255),
            DateTimeOffset.UtcNow,
            code is null && !_killed ? $"the VM stopped without reporting an exit code{(error is null ? "" : ": " + error)}" : null);
        exit.Save(Directory);
        logger.LogInformation("VM container {ContainerId} exited with {ExitCode}", Record.Request.Id, exit.ExitCode);
        lock (_subscribers)
        {
            _exited.TrySetResult(new ContainerExit(exit.ExitCode, exit.FinishedAt, Error: exit.Error));
            foreach (var subscriber in _subscribers)
            {
                subscriber.Complete();
            }

            _subscribers.Clear();
        }
    }

    private void Deliver(OutputFrame frame)
    {
        Log.Append(frame.Stream, DateTimeOffset.UtcNow, frame.Data.Span);
        lock (_subscribers)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Offer(frame);
            }
        }
    }

    private static async Task UnblockWhenVmStopsAsync(IVirtualMachine vm, Stream channel)
    {
        await vm.Stopped.ContinueWith(_ => { }, TaskScheduler.Default);
        await Task.Delay(DrainGrace);
        await channel.DisposeAsync();
    }

    private async Task StopAndReleaseAsync()
    {
        if (_vm is null)
        {
            return;
        }

        try
        {
            await _vm.TerminateAsync();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not stop the VM of container {ContainerId}", Record.Request.Id);
        }

        await _vm.DisposeAsync();
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }
    }
}
