using System.Threading.Channels;
using Flotilla.Guest;
using Flotilla.Plugins;

namespace Flotilla.Hypervisor.Kvm;

/// <summary>One process exec'd in a VM: its output as the guest sends it, its stdin as frames, its exit code.</summary>
internal sealed class ExecSession(ExecPort port, int id) : IExecProcess, IContainerStreams
{
    /// <summary>What an exec reports when its VM stopped under it: its processes were killed with it.</summary>
    private const int KilledWithVm = 128 + 9;

    // Unbounded: the port's one reader must never wait for a slow client of one session while others have output.
    private readonly Channel<OutputFrame> _output = Channel.CreateUnbounded<OutputFrame>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the guest's first frame for this session: the process runs, or could not be started.</summary>
    public Task Answered => _answered.Task;

    public IContainerStreams Streams => this;

    /// <summary>Takes one frame from the guest; true when it was the last (the exit code).</summary>
    public bool Deliver(Frame frame)
    {
        _answered.TrySetResult();
        switch (frame.Type)
        {
            case FrameType.Stdout or FrameType.Stderr when frame.Payload.Length > 0:
                _output.Writer.TryWrite(new OutputFrame(frame.Type == FrameType.Stdout ? StdStream.Stdout : StdStream.Stderr, frame.Payload));
                return false;
            case FrameType.Exit:
                _output.Writer.TryComplete();
                _exit.TrySetResult(frame.Number);
                return true;
            default:
                return false;
        }
    }

    public void VmGone()
    {
        _answered.TrySetResult();
        _output.Writer.TryComplete();
        _exit.TrySetResult(KilledWithVm);
    }

    public IAsyncEnumerable<OutputFrame> ReadOutputAsync(CancellationToken ct) => _output.Reader.ReadAllAsync(ct);

    public ValueTask WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken ct) => port.SendStdinAsync(id, data, ct);

    public ValueTask CloseInputAsync(CancellationToken ct) => port.SendAsync(Frame.StdinClosed() with { Session = id }, ct);

    public Task<int> WaitAsync(CancellationToken ct) => _exit.Task.WaitAsync(ct);

    public ValueTask DisposeAsync()
    {
        // Like docker's, a process whose client went keeps running; its output is no longer wanted.
        if (!_exit.Task.IsCompleted)
        {
            port.Forget(id);
        }

        return ValueTask.CompletedTask;
    }
}
