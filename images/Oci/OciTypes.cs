using System.Text.Json.Serialization;

namespace Flotilla.Images.Oci;

// The OCI image-spec documents the store keeps (and loads), with the spec's lowercase JSON names.

public sealed class Platform
{
    [JsonPropertyName("architecture")] public string Architecture { get; set; } = "";
    [JsonPropertyName("os")] public string Os { get; set; } = "";
    [JsonPropertyName("variant")] public string? Variant { get; set; }
}

public sealed class Descriptor
{
    [JsonPropertyName("mediaType")] public string MediaType { get; set; } = "";
    [JsonPropertyName("digest")] public string Digest { get; set; } = "";
    [JsonPropertyName("size")] public long Size { get; set; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
    [JsonPropertyName("platform")] public Platform? Platform { get; set; }
}

public sealed class ImageIndex
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; set; } = 2;
    [JsonPropertyName("mediaType")] public string? MediaType { get; set; } = MediaTypes.OciIndex;
    [JsonPropertyName("manifests")] public List<Descriptor> Manifests { get; set; } = [];
}

public sealed class ImageManifest
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; set; } = 2;
    [JsonPropertyName("mediaType")] public string? MediaType { get; set; } = MediaTypes.OciManifest;
    [JsonPropertyName("config")] public Descriptor Config { get; set; } = new();
    [JsonPropertyName("layers")] public List<Descriptor> Layers { get; set; } = [];
}

public sealed class ContainerDefaults
{
    public string? User { get; set; }
    public Dictionary<string, object>? ExposedPorts { get; set; }
    public List<string>? Env { get; set; }
    public List<string>? Entrypoint { get; set; }
    public List<string>? Cmd { get; set; }
    public string? WorkingDir { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public string? StopSignal { get; set; }
}

public sealed class RootFs
{
    [JsonPropertyName("type")] public string Type { get; set; } = "layers";
    [JsonPropertyName("diff_ids")] public List<string> DiffIds { get; set; } = [];
}

public sealed class HistoryEntry
{
    [JsonPropertyName("created")] public DateTimeOffset? Created { get; set; }
    [JsonPropertyName("created_by")] public string? CreatedBy { get; set; }
    [JsonPropertyName("comment")] public string? Comment { get; set; }
    [JsonPropertyName("empty_layer")] public bool? EmptyLayer { get; set; }
}

public sealed class ImageConfigFile
{
    [JsonPropertyName("created")] public DateTimeOffset? Created { get; set; }
    [JsonPropertyName("architecture")] public string Architecture { get; set; } = "amd64";
    [JsonPropertyName("os")] public string Os { get; set; } = "linux";
    [JsonPropertyName("config")] public ContainerDefaults Config { get; set; } = new();
    [JsonPropertyName("rootfs")] public RootFs RootFs { get; set; } = new();
    [JsonPropertyName("history")] public List<HistoryEntry>? History { get; set; }
}

/// <summary>One image of a `docker save` tarball's manifest.json.</summary>
public sealed class DockerSaveEntry
{
    public string Config { get; set; } = "";
    public List<string>? RepoTags { get; set; }
    public List<string> Layers { get; set; } = [];
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageConfigFile))]
[JsonSerializable(typeof(List<DockerSaveEntry>))]
public sealed partial class OciJsonContext : JsonSerializerContext;
