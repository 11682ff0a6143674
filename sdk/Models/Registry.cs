using System.Text.Json.Serialization;

namespace Flotilla.Client.Models;

/// <summary>Registry credentials as docker sends them: the body of POST /auth, and (base64url) the X-Registry-Auth header.</summary>
public sealed class AuthConfig
{
    [JsonPropertyName("username")] public string? Username { get; set; }
    [JsonPropertyName("password")] public string? Password { get; set; }
    [JsonPropertyName("auth")] public string? Auth { get; set; }
    [JsonPropertyName("serveraddress")] public string? ServerAddress { get; set; }
    [JsonPropertyName("identitytoken")] public string? IdentityToken { get; set; }
    [JsonPropertyName("registrytoken")] public string? RegistryToken { get; set; }
}

public sealed class AuthResponse
{
    public string Status { get; set; } = "";
    public string? IdentityToken { get; set; }
}

/// <summary>One entry of GET /images/{name}/history, newest first.</summary>
public sealed class ImageHistoryItem
{
    public string Id { get; set; } = "<missing>";
    public long Created { get; set; }
    public string CreatedBy { get; set; } = "";
    public List<string>? Tags { get; set; }
    public long Size { get; set; }
    public string Comment { get; set; } = "";
}

public sealed class ImagesPruneResponse
{
    public List<ImageDeleteResponseItem>? ImagesDeleted { get; set; }
    public long SpaceReclaimed { get; set; }
}
