namespace Flotilla.Plugins;

/// <summary>One line (or partial line) of a container's recorded output.</summary>
public sealed record LogEntry(DateTimeOffset Time, StdStream Stream, ReadOnlyMemory<byte> Data);
