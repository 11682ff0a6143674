namespace Flotilla.Client.Tests;

/// <summary>A read-only stream that hands out its bytes in the given chunk sizes (cycled), as a socket might.</summary>
internal sealed class TrickleStream(byte[] data, params int[] chunks) : Stream
{
    private int _position;
    private int _read;

    public override int Read(byte[] buffer, int offset, int count)
    {
        var chunk = chunks.Length == 0 ? count : chunks[_read++ % chunks.Length];
        var n = Math.Min(Math.Min(count, chunk), data.Length - _position);
        Array.Copy(data, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var chunk = chunks.Length == 0 ? buffer.Length : chunks[_read++ % chunks.Length];
        var n = Math.Min(Math.Min(buffer.Length, chunk), data.Length - _position);
        data.AsMemory(_position, n).CopyTo(buffer);
        _position += n;
        return ValueTask.FromResult(n);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => data.Length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
