using Flotilla.Grains.Containers;

namespace Flotilla.Grains.Local;

/// <summary>An image ready to run: its id, what containers inherit from it, and its unpacked layers (lowest first).</summary>
public sealed record ResolvedImage(string Id, ImageDefaults Defaults, IReadOnlyList<string> LayerDirectories);
