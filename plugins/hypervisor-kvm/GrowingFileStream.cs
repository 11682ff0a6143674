namespace Flotilla.Hypervisor.Kvm;

/// <summary>
/// Reads a file another process is still appending to (the channel file QEMU writes): at its current end a read
/// waits for more, until <paramref name="writerGone"/> says no more will come. Then it ends like a file.
/// </summary>
internal sealed class GrowingFileStream(string path, Func<bool> writerGone) : Stream
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxIdle = TimeSpan.FromMilliseconds(100);
    private readonly FileStream _file = new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _file.Length;

    public override long Position
    {
        get => _file.Position;
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        // Polling backs off from 10 to 100 ms: the first bytes of a fresh VM come quickly, a long quiet one costs little.
        var wait = Idle;
        while (true)
        {
            var n = _file.Read(buffer.Span);
            if (n > 0)
            {
                return n;
            }

            if (writerGone())
            {
                return _file.Read(buffer.Span);
            }

            await Task.Delay(wait, ct);
            wait = TimeSpan.FromTicks(Math.Min(MaxIdle.Ticks, wait.Ticks * 2));
        }
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
        }

        base.Dispose(disposing);
    }
}
