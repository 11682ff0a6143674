using System.Text;

namespace Flotilla.Client.Tests;

public sealed class MultiplexedReaderTests
{
    private static readonly byte[] Sample = Frames.Of((1, "hello\n"), (2, "oops\n"), (1, ""), (1, "bye\n"));

    [Theory]
    [InlineData(new int[0])] // everything in one read
    [InlineData(new[] { 1 })] // a byte at a time: every header split
    [InlineData(new[] { 3, 5 })] // headers split 3+5 and across frame boundaries
    [InlineData(new[] { 7, 2, 11 })]
    public async Task Frames_come_out_whole_however_the_reads_split_them(int[] chunks)
    {
        var reader = new MultiplexedReader(new TrickleStream(Sample, chunks));
        var frames = new List<(OutputStream, string)>();
        while (await reader.ReadAsync() is { } frame)
        {
            frames.Add((frame.Stream, Encoding.UTF8.GetString(frame.Data.Span)));
        }

        Assert.Equal([(OutputStream.Stdout, "hello\n"), (OutputStream.Stderr, "oops\n"), (OutputStream.Stdout, ""), (OutputStream.Stdout, "bye\n")], frames);
    }

    [Fact]
    public async Task CopyTo_sends_stdout_and_stderr_to_their_own_streams()
    {
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        await new MultiplexedReader(new TrickleStream(Sample, 2)).CopyToAsync(stdout, stderr);
        Assert.Equal("hello\nbye\n", Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal("oops\n", Encoding.UTF8.GetString(stderr.ToArray()));
    }

    [Fact]
    public async Task An_empty_stream_has_no_frames()
    {
        Assert.Null(await new MultiplexedReader(new MemoryStream()).ReadAsync());
    }

    [Fact]
    public async Task A_stream_cut_inside_a_header_is_an_error()
    {
        var cut = Sample[..5];
        var e = await Assert.ThrowsAsync<IOException>(() => new MultiplexedReader(new TrickleStream(cut, 2)).ReadAsync());
        Assert.Contains("frame header", e.Message);
    }

    [Fact]
    public async Task A_stream_cut_inside_a_payload_is_an_error()
    {
        var cut = Sample[..10];
        var e = await Assert.ThrowsAsync<IOException>(() => new MultiplexedReader(new TrickleStream(cut, 1)).ReadAsync());
        Assert.Contains("inside a frame", e.Message);
    }

    [Fact]
    public async Task An_unknown_stream_type_is_reported_not_misread()
    {
        var e = await Assert.ThrowsAsync<IOException>(() => new MultiplexedReader(new MemoryStream(Frames.Of((9, "x")))).ReadAsync());
        Assert.Contains("unknown stream type 9", e.Message);
    }

    [Fact]
    public async Task A_daemon_error_frame_stops_the_copy_with_its_message()
    {
        var stream = new MemoryStream(Frames.Of((1, "partial\n"), (3, "container vanished")));
        var stdout = new MemoryStream();
        var e = await Assert.ThrowsAsync<IOException>(() => new MultiplexedReader(stream).CopyToAsync(stdout, new MemoryStream()));
        Assert.Contains("container vanished", e.Message);
        Assert.Equal("partial\n", Encoding.UTF8.GetString(stdout.ToArray()));
    }
}
