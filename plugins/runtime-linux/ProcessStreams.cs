using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Flotilla.Plugins;

namespace Flotilla.Runtime.Linux;

/// <summary>
/// The standard streams of an exec (the OCI runtime's exec, which becomes the process), as frames in arrival order.
/// The runtime reports its own errors on stderr and in <c>runtimeLog</c>: when that log says it could not start the
/// process, the exit code becomes a shell's (127 not found, 126 not executable) rather than the runtime's 255.
/// </summary>
public sealed class ProcessStreams : IContainerStreams, IExecProcess
{
    private readonly Process _process;
    private readonly string _runtimeLog;
    private readonly Channel<OutputFrame> _frames = Channel.CreateUnbounded<OutputFrame>();
    private readonly Task<int> _exit;

    public ProcessStreams(Process process, string runtimeLog)
    {
        _process = process;
        _runtimeLog = runtimeLog;
        _exit = FinishAsync(Task.WhenAll(
            PumpAsync(process.StandardOutput.BaseStream, StdStream.Stdout),
            PumpAsync(process.StandardError.BaseStream, StdStream.Stderr)));
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

    public Task<int> WaitAsync(CancellationToken ct) => _exit.WaitAsync(ct);

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

        await _exit;
        _process.Dispose();
    }

    private async Task<int> FinishAsync(Task pumps)
    {
        try
        {
            await pumps;
            await _process.WaitForExitAsync();
            var code = _process.ExitCode;
            var error = File.Exists(_runtimeLog) ? (await File.ReadAllTextAsync(_runtimeLog)).Trim() : "";
            return code == RuntimeErrors.RuntimeFailure && error.Length > 0 ? RuntimeErrors.StartFailureExitCode(RuntimeErrors.Clean(error)) : code;
        }
        finally
        {
            _frames.Writer.TryComplete();
            File.Delete(_runtimeLog);
        }
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
