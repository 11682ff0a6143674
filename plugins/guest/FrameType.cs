namespace Flotilla.Guest;

/// <summary>Byte 0 of a channel frame. Docker's stream numbers for 0-2, then Flotilla's own.</summary>
public enum FrameType : byte
{
    /// <summary>host → guest: bytes for the command's stdin.</summary>
    Stdin = 0,
    /// <summary>guest → host. An empty one is sent once, when the command has started.</summary>
    Stdout = 1,
    Stderr = 2,
    /// <summary>guest → host, the last frame: 4-byte big-endian exit code (128 + signal when a signal ended it).</summary>
    Exit = 3,
    /// <summary>host → guest: 4-byte big-endian signal number for the command.</summary>
    Signal = 4,
    /// <summary>host → guest, empty: the command's stdin reaches end of file.</summary>
    StdinClosed = 5,
    /// <summary>host → guest, on an exec port: start the session's process (payload: see init.c's start_exec).</summary>
    Exec = 6,
}
