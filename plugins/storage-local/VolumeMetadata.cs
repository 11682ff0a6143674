using System.Text.Json.Serialization;

namespace Flotilla.Storage.Local;

public sealed class VolumeMetadata
{
    public DateTimeOffset CreatedAt { get; set; }
    public Dictionary<string, string> Labels { get; set; } = [];
}

[JsonSerializable(typeof(VolumeMetadata))]
internal sealed partial class VolumeJsonContext : JsonSerializerContext;
