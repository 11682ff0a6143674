using System.Runtime.CompilerServices;
using Flotilla.Guest;
using Flotilla.Plugins;

namespace Flotilla.Hypervisor.Kvm;

/// <summary>
/// A connection to a VM container's streams: output read from the channel file (from its start, or from the point
/// of attaching), input sent as frames into the channel FIFO.
/// </summary>
internal sealed class ChannelStreams(VmFiles files, Func<bool> vmGone, long skipBefore, Func<FrameWriter> input) : IContainerStreams
{
    public async IAsyncEnumerable<OutputFrame> ReadOutputAsync([EnumeratorCancellation] CancellationToken ct)
    {
        // Frames cannot be found from the middle of the file: read from the start and drop what came before attaching.
        long offset = 0;
        await foreach (var frame in ChannelFile.ReadAsync(files.ChannelOut, vmGone, follow: true, ct))
        {
            offset += Frame.HeaderSize + frame.Payload.Length;
            if (offset > skipBefore && ChannelFile.ToStdStream(frame.Type) is { } stream && frame.Payload.Length > 0)
            {
                yield return new OutputFrame(stream, frame.Payload);
            }
        }
    }

    public ValueTask WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken ct) => input().WriteStdinAsync(data, ct);

    public ValueTask CloseInputAsync(CancellationToken ct) => input().WriteAsync(Frame.StdinClosed(), ct);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
