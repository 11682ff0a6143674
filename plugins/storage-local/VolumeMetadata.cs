using System.Text.Json.Serialization;

namespace Flotilla.Storage.Local;

/// <summary>What volume.json holds: what was said when the volume was created.</summary>
public sealed class VolumeMetadata
{
    public DateTimeOffset CreatedAt { get; set; }
    public Dictionary<string, string> Labels { get; set; } = [];
    public Dictionary<string, string> Options { get; set; } = [];
}

[JsonSerializable(typeof(VolumeMetadata))]
internal sealed partial class VolumeJsonContext : JsonSerializerContext;
