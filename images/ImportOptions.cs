namespace Flotilla.Images;

/// <summary>What `image import` may set on the new image (docker's --change subset and --message).</summary>
public sealed record ImportOptions
{
    public IReadOnlyList<string>? Cmd { get; init; }
    public IReadOnlyList<string>? Entrypoint { get; init; }
    public IReadOnlyList<string>? Env { get; init; }
    public string? WorkingDir { get; init; }
    public string? User { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public string? Message { get; init; }
}
