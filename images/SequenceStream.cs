namespace Flotilla.Images;

/// <summary>
/// One stream read to its end, then another: the part of a blob kept on disk then the rest as it arrives, or a
/// sniffed header then the stream it was read from. Disposing it leaves both open.
/// </summary>
internal sealed class SequenceStream(Stream first, Stream second) : ReadOnlyForwardStream
{
    private bool _firstDone;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!_firstDone && buffer.Length > 0)
        {
            var n = first.Read(buffer);
            if (n > 0)
            {
                return n;
            }

            _firstDone = true;
        }

        return second.Read(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (!_firstDone && buffer.Length > 0)
        {
            var n = await first.ReadAsync(buffer, ct);
            if (n > 0)
            {
                return n;
            }

            _firstDone = true;
        }

        return await second.ReadAsync(buffer, ct);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
}
