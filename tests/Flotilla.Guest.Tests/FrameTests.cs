using Flotilla.Guest;

namespace Flotilla.Guest.Tests;

public sealed class FrameTests
{
    [Fact]
    public void Header_is_dockers_multiplexed_header()
    {
        var bytes = new Frame(FrameType.Stderr, "hi"u8.ToArray()).ToArray();
        Assert.Equal(new byte[] { 2, 0, 0, 0, 0, 0, 0, 2, (byte)'h', (byte)'i' }, bytes);
        Assert.Equal(new byte[] { 3, 0, 0, 0, 0, 0, 0, 4, 0, 0, 1, 2 }, Frame.Exit(258).ToArray());
        Assert.Equal(new byte[] { 4, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 15 }, Frame.Signal(15).ToArray());
        Assert.Equal(new byte[] { 5, 0, 0, 0, 0, 0, 0, 0 }, Frame.StdinClosed().ToArray());
    }

    [Fact]
    public async Task Frames_split_into_one_byte_reads_come_back_whole()
    {
        var stream = new MemoryStream();
        stream.Write(new Frame(FrameType.Stdout, ReadOnlyMemory<byte>.Empty).ToArray());
        stream.Write(new Frame(FrameType.Stdout, new byte[Frame.MaxPayload]).ToArray());
        stream.Write(new Frame(FrameType.Stderr, "err"u8.ToArray()).ToArray());
        stream.Write(Frame.Exit(3).ToArray());
        stream.Position = 0;
        var reader = new FrameReader(new OneByteStream(stream));

        var frames = new List<Frame>();
        while (await reader.ReadAsync(CancellationToken.None) is { } f)
            frames.Add(f);

        Assert.Equal([FrameType.Stdout, FrameType.Stdout, FrameType.Stderr, FrameType.Exit], frames.Select(f => f.Type));
        Assert.Equal(0, frames[0].Payload.Length);
        Assert.Equal(Frame.MaxPayload, frames[1].Payload.Length);
        Assert.Equal("err"u8.ToArray(), frames[2].Payload.ToArray());
        Assert.Equal(3, frames[3].Number);
    }

    [Fact]
    public async Task A_stream_cut_inside_a_frame_or_garbage_is_an_error()
    {
        var cut = Frame.Exit(1).ToArray()[..10];
        await Assert.ThrowsAsync<EndOfStreamException>(() => new FrameReader(new MemoryStream(cut)).ReadAsync(default).AsTask());
        await Assert.ThrowsAsync<EndOfStreamException>(() => new FrameReader(new MemoryStream(cut[..5])).ReadAsync(default).AsTask());
        var garbage = "hello, world"u8.ToArray();
        await Assert.ThrowsAsync<InvalidDataException>(() => new FrameReader(new MemoryStream(garbage)).ReadAsync(default).AsTask());
        var huge = new byte[] { 1, 0, 0, 0, 0x7f, 0, 0, 0 };
        await Assert.ThrowsAsync<InvalidDataException>(() => new FrameReader(new MemoryStream(huge)).ReadAsync(default).AsTask());
    }

    [Fact]
    public async Task Stdin_is_cut_into_frames_the_guest_can_hold()
    {
        var stream = new MemoryStream();
        await using (var writer = new FrameWriter(new NonClosingStream(stream)))
            await writer.WriteStdinAsync(new byte[Frame.MaxPayload * 2 + 1], default);
        stream.Position = 0;
        var reader = new FrameReader(stream);
        var lengths = new List<int>();
        while (await reader.ReadAsync(default) is { } f)
            lengths.Add(f.Payload.Length);
        Assert.Equal([Frame.MaxPayload, Frame.MaxPayload, 1], lengths);
    }

    [Fact]
    public async Task An_exec_ports_frames_carry_their_session_in_bytes_1_to_3()
    {
        var frame = new Frame(FrameType.Stdout, "x"u8.ToArray()) { Session = 0x010203 };
        Assert.Equal(new byte[] { 1, 1, 2, 3, 0, 0, 0, 1, (byte)'x' }, frame.ToArray());
        var read = await new FrameReader(new MemoryStream(frame.ToArray()), sessions: true).ReadAsync(default);
        Assert.Equal(0x010203, read!.Value.Session);
        // On a container's channel those bytes are zero: anything else is not a frame.
        await Assert.ThrowsAsync<InvalidDataException>(() => new FrameReader(new MemoryStream(frame.ToArray())).ReadAsync(default).AsTask());
    }

    private sealed class OneByteStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 1));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class NonClosingStream(Stream inner) : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) { inner.Write(buffer, offset, count); return Task.CompletedTask; }
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) { inner.Write(buffer.Span); return ValueTask.CompletedTask; }
    }
}
