namespace Flotilla.Guest;

/// <summary>
/// Writes host → guest frames (stdin, stdin-closed, signal) to the guest's byte stream. Whole frames only, one at a
/// time: several callers (an attached stdin, a kill) may share one channel.
/// </summary>
public sealed class FrameWriter(Stream stream) : IAsyncDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    public async ValueTask WriteAsync(Frame frame, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            await stream.WriteAsync(frame.ToArray(), ct);
            await stream.FlushAsync(ct);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Sends <paramref name="data"/> as stdin frames no larger than the guest's buffer.</summary>
    public async ValueTask WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken ct, int session = 0)
    {
        for (var offset = 0; offset < data.Length; offset += Frame.MaxPayload)
            await WriteAsync(new Frame(FrameType.Stdin, data.Slice(offset, Math.Min(Frame.MaxPayload, data.Length - offset))) { Session = session }, ct);
    }

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync();
        _lock.Dispose();
    }
}
