namespace Flotilla.Client.Models;

public sealed class ImageSummary
{
    public string Id { get; set; } = "";
    public List<string> RepoTags { get; set; } = [];
    public List<string> RepoDigests { get; set; } = [];
    public long Created { get; set; }
    public long Size { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
}

public sealed class ImageConfig
{
    public string? User { get; set; }
    public List<string>? Env { get; set; }
    public List<string>? Cmd { get; set; }
    public List<string>? Entrypoint { get; set; }
    public string? WorkingDir { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
}

public sealed class RootFS
{
    public string Type { get; set; } = "layers";
    public List<string> Layers { get; set; } = [];
}

public sealed class ImageInspect
{
    public string Id { get; set; } = "";
    public List<string> RepoTags { get; set; } = [];
    public List<string> RepoDigests { get; set; } = [];
    public string Created { get; set; } = "";
    public long Size { get; set; }
    public string Architecture { get; set; } = "";
    public string Os { get; set; } = "";
    public ImageConfig Config { get; set; } = new();
    public RootFS RootFS { get; set; } = new();
}

public sealed class ImageDeleteResponseItem
{
    public string? Untagged { get; set; }
    public string? Deleted { get; set; }
}

/// <summary>One line of the JSON message stream that /images/create and /images/load answer with.</summary>
public sealed class JsonMessage
{
    public string? Status { get; set; }
    public string? Stream { get; set; }
    public string? Id { get; set; }
    public JsonError? ErrorDetail { get; set; }
    public string? Error { get; set; }
}

public sealed class JsonError
{
    public string? Message { get; set; }
}
