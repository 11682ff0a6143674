using System.Threading.Channels;
using Flotilla.Plugins;

namespace Flotilla.Hypervisor.Vm;

/// <summary>One attach to a VM container: the output from the moment it subscribed; input goes over the guest channel.</summary>
internal sealed class VmStreams(VmContainer container) : IContainerStreams
{
    private readonly Channel<OutputFrame> _output = Channel.CreateUnbounded<OutputFrame>(new UnboundedChannelOptions { SingleReader = true });

    public bool Offer(OutputFrame frame) => _output.Writer.TryWrite(frame);

    public void Complete() => _output.Writer.TryComplete();

    public IAsyncEnumerable<OutputFrame> ReadOutputAsync(CancellationToken ct) => _output.Reader.ReadAllAsync(ct);

    public ValueTask WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken ct) => container.WriteInputAsync(data, ct);

    public ValueTask CloseInputAsync(CancellationToken ct) => container.CloseInputAsync(ct);

    public ValueTask DisposeAsync()
    {
        container.Unsubscribe(this);
        Complete();
        return ValueTask.CompletedTask;
    }
}
