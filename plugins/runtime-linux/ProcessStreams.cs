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
    private readonly FileStream? _terminal;

    /// <param name="terminal">With <c>-t</c>: the pseudo-terminal's master, which carries the process' input and output.</param>
    public ProcessStreams(Process process, string runtimeLog, FileStream? terminal = null)
    {
        _process = process;
        _runtimeLog = runtimeLog;
        _terminal = terminal;
        _exit = FinishAsync(Task.WhenAll(
            PumpAsync(process.StandardOutput.BaseStream, StdStream.Stdout),
            PumpAsync(process.StandardError.BaseStream, StdStream.Stderr),
            terminal is null ? Task.CompletedTask : PumpAsync(terminal, StdStream.Stdout)));
    }

    private Stream Input => _terminal ?? _process.StandardInput.BaseStream;

    public IContainerStreams Streams => this;

    public void ResizeTerminal(TerminalSize size)
    {
        if (_terminal is null)
        {
            throw new PluginException("this exec has no terminal to resize", PluginErrorKind.Conflict);
        }

        Native.SetWindowSize((int)_terminal.SafeFileHandle.DangerousGetHandle(), size);
    }

    public async IAsyncEnumerable<OutputFrame> ReadOutputAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var frame in _frames.Reader.ReadAllAsync(ct))
        {
            yield return frame;
        }
    }

    public async ValueTask WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        await Input.WriteAsync(data, ct);
        await Input.FlushAsync(ct);
    }

    /// <summary>A terminal has no end of input to send: it ends with its process (as docker's).</summary>
    public ValueTask CloseInputAsync(CancellationToken ct)
    {
        if (_terminal is null)
        {
            _process.StandardInput.Close();
        }

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
        _terminal?.Dispose();
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
        try
        {
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                _frames.Writer.TryWrite(new OutputFrame(kind, buffer.AsSpan(0, n).ToArray()));
            }
        }
        catch (IOException) when (stream == _terminal)
        {
            // EIO: the last process holding the terminal's other side is gone.
        }
    }
}
