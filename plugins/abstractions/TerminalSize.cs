namespace Flotilla.Plugins;

/// <summary>A terminal's size in character cells, as docker's resize and ConsoleSize give it (height first).</summary>
public readonly record struct TerminalSize(int Height, int Width)
{
    /// <summary>
    /// Checks a size a user gave (<paramref name="what"/> names it in the error): the kernel keeps each dimension of a
    /// terminal in 16 bits (struct winsize).
    /// </summary>
    public static TerminalSize From(int height, int width, string what) =>
        height is > 0 and <= ushort.MaxValue && width is > 0 and <= ushort.MaxValue
            ? new TerminalSize(height, width)
            : throw new PluginException($"{what}: a terminal's height and width must be between 1 and {ushort.MaxValue}; got {height}×{width}", PluginErrorKind.InvalidInput);
}
