namespace Flotilla.Plugins;

public enum StdStream
{
    Stdin = 0,
    Stdout = 1,
    Stderr = 2,
}

/// <summary>One piece of a container's output, in the order it was written.</summary>
public readonly record struct OutputFrame(StdStream Stream, ReadOnlyMemory<byte> Data);

/// <summary>A live connection to a container's standard streams. Disposing it detaches; the container goes on.</summary>
public interface IContainerStreams : IAsyncDisposable
{
    /// <summary>Output frames until the container's output closes (the process exited) or the caller cancels.</summary>
    IAsyncEnumerable<OutputFrame> ReadOutputAsync(CancellationToken ct);

    /// <summary>Writes to the process' stdin; only for containers created with <see cref="ContainerSpec.OpenStdin"/>.</summary>
    ValueTask WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken ct);

    ValueTask CloseInputAsync(CancellationToken ct);
}
