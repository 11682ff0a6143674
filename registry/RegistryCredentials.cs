namespace Flotilla.Registry;

/// <summary>
/// What a user logs in with: a user name and password, an identity token (an OAuth2 refresh token a registry handed
/// out before), or a registry token (a bearer token sent as it is), as docker's AuthConfig carries them.
/// </summary>
public sealed record RegistryCredentials(string? Username, string? Password, string? IdentityToken = null, string? RegistryToken = null)
{
    public bool IsEmpty => string.IsNullOrEmpty(Username) && string.IsNullOrEmpty(IdentityToken) && string.IsNullOrEmpty(RegistryToken);
}
