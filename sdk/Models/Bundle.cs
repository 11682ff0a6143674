using System.Text.Json.Serialization;

namespace Flotilla.Client.Models;

/// <summary>Docker's distributed application bundle (.dab, experimental): services of one application.</summary>
public sealed class Bundle
{
    public string Version { get; set; } = "";
    public Dictionary<string, BundleService> Services { get; set; } = [];
}

public sealed class BundleService
{
    public string Image { get; set; } = "";
    public List<string>? Command { get; set; }
    public List<string>? Args { get; set; }
    public List<string>? Env { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public List<BundlePort>? Ports { get; set; }
    public string? WorkingDir { get; set; }
    public string? User { get; set; }
    public List<string>? Networks { get; set; }
}

public sealed class BundlePort
{
    public string Protocol { get; set; } = "tcp";
    public int Port { get; set; }
}

/// <summary>Strict: a field the format does not have is an error, not silently ignored.</summary>
[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(Bundle))]
internal sealed partial class BundleJsonContext : JsonSerializerContext;
