namespace Flotilla.Registry;

/// <summary>
/// A blob's body as it arrives: each read must make progress within the stall time-out (a registry that hangs
/// mid-body fails instead of holding the pull forever), no more than the expected size is read (a registry
/// cannot fill the disk; a chunk of a file ends where it should), and the bytes read so far are reported.
/// </summary>
internal sealed class BlobReadStream(Stream inner, long expectedSize, TimeSpan stallTimeout, Action<long> onProgress) : Stream
{
    public long BytesRead { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var remaining = expectedSize - BytesRead;
        if (remaining == 0 || buffer.Length == 0)
        {
            return 0;
        }

        if (buffer.Length > remaining)
        {
            buffer = buffer[..(int)remaining];
        }

        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stall.CancelAfter(stallTimeout);
        int n;
        try
        {
            n = await inner.ReadAsync(buffer, stall.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no data for {stallTimeout.TotalSeconds:0} s after {BytesRead} of {expectedSize} bytes");
        }

        BytesRead += n;
        if (n == 0)
        {
            throw new EndOfStreamException($"the body ended after {BytesRead} of {expectedSize} bytes");
        }

        onProgress(BytesRead);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => expectedSize;
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
