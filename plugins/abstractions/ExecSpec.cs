namespace Flotilla.Plugins;

public sealed record ExecSpec
{
    public required IReadOnlyList<string> Args { get; init; }

    public IReadOnlyList<string> Env { get; init; } = [];

    public string? WorkingDir { get; init; }

    public string? User { get; init; }

    public bool OpenStdin { get; init; }

    public bool Tty { get; init; }

    /// <summary>The terminal's size from the start (with <see cref="Tty"/>); null leaves the runtime's default.</summary>
    public TerminalSize? ConsoleSize { get; init; }
}

/// <summary>A process started by <see cref="IContainerRuntime.ExecAsync"/>: its streams, then its exit code.</summary>
public interface IExecProcess : IAsyncDisposable
{
    IContainerStreams Streams { get; }

    Task<int> WaitAsync(CancellationToken ct);

    /// <summary>Sets the size of the process's terminal (an exec with <see cref="ExecSpec.Tty"/>).</summary>
    void ResizeTerminal(TerminalSize size) =>
        throw new PluginException("this exec's runtime cannot resize its terminal", PluginErrorKind.NotSupported);
}
