using System.Text.Json.Serialization;

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

/// <summary>
/// One line of the JSON message stream that /images/create, /images/load and /images/{name}/push answer with,
/// with docker's lowercase names (jsonmessage.JSONMessage).
/// </summary>
public sealed class JsonMessage
{
    [JsonPropertyName("status")] public string? Status { get; set; }
    [JsonPropertyName("stream")] public string? Stream { get; set; }
    [JsonPropertyName("id")] public string? Id { get; set; }
    [JsonPropertyName("progressDetail")] public ProgressDetail? ProgressDetail { get; set; }
    [JsonPropertyName("progress")] public string? Progress { get; set; }
    [JsonPropertyName("errorDetail")] public JsonError? ErrorDetail { get; set; }
    [JsonPropertyName("error")] public string? Error { get; set; }
}

public sealed class ProgressDetail
{
    [JsonPropertyName("current")] public long? Current { get; set; }
    [JsonPropertyName("total")] public long? Total { get; set; }
}

public sealed class JsonError
{
    [JsonPropertyName("message")] public string? Message { get; set; }
}
