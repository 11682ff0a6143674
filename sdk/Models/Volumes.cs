namespace Flotilla.Client.Models;

public sealed class Volume
{
    public string Name { get; set; } = "";
    public string Driver { get; set; } = "";
    public string Mountpoint { get; set; } = "";
    public string CreatedAt { get; set; } = "";
    public Dictionary<string, string> Labels { get; set; } = [];
    public Dictionary<string, string> Options { get; set; } = [];
    public string Scope { get; set; } = "local";
}

public sealed class VolumeListResponse
{
    public List<Volume> Volumes { get; set; } = [];
    public List<string> Warnings { get; set; } = [];
}

public sealed class VolumeCreateRequest
{
    public string? Name { get; set; }
    public string? Driver { get; set; }
    public Dictionary<string, string>? DriverOpts { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
}
