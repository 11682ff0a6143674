using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Flotilla.Plugins;

namespace Flotilla.Runtime.Linux;

/// <summary>The standard streams of a process the plugin started itself (an exec), as frames in arrival order.</summary>
public sealed class ProcessStreams : IContainerStreams, IExecProcess
{
    private readonly Process _process;
    private readonly Channel<OutputFrame> _frames = Channel.CreateUnbounded<OutputFrame>();
    private readonly Task _pumps;

    public ProcessStreams(Process process)
    {
        _process = process;
        _pumps = Task.WhenAll(
            PumpAsync(process.StandardOutput.BaseStream, StdStream.Stdout),
            PumpAsync(process.StandardError.BaseStream, StdStream.Stderr))
            .ContinueWith(_ => _frames.Writer.TryComplete(), TaskScheduler.Default);
    }

    public IContainerStreams Streams => this;

    public async IAsyncEnumerable<OutputFrame> ReadOutputAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var frame in _frames.Reader.ReadAllAsync(ct))
        {
            yield return frame;
        }
    }

    public async ValueTask WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        await _process.StandardInput.BaseStream.WriteAsync(data, ct);
        await _process.StandardInput.BaseStream.FlushAsync(ct);
    }

    public ValueTask CloseInputAsync(CancellationToken ct)
    {
        _process.StandardInput.Close();
        return ValueTask.CompletedTask;
    }

    public async Task<int> WaitAsync(CancellationToken ct)
    {
        await _process.WaitForExitAsync(ct);
        await _pumps;
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill();
            }
            catch (InvalidOperationException)
            {
            }
        }

        await _pumps;
        _process.Dispose();
    }

    private async Task PumpAsync(Stream stream, StdStream kind)
    {
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            _frames.Writer.TryWrite(new OutputFrame(kind, buffer.AsSpan(0, n).ToArray()));
        }
    }
}
