namespace Flotilla.Images;

/// <summary>Passes reads through while copying them to <paramref name="copy"/>: a layer is stored and unpacked in one pass.</summary>
internal sealed class TeeStream(Stream inner, Stream copy) : ReadOnlyForwardStream
{
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        copy.Write(buffer[..n]);
        return n;
    }
}
