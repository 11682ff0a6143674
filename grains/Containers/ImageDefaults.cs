namespace Flotilla.Grains.Containers;

/// <summary>The parts of an image's config that a container inherits unless the user overrides them.</summary>
public sealed record ImageDefaults(
    IReadOnlyList<string> Env,
    IReadOnlyList<string>? Entrypoint,
    IReadOnlyList<string>? Cmd,
    string? WorkingDir,
    string? User);
