namespace Flotilla.Registry;

/// <summary>What a user logs in with: a user name and password, or an identity token a registry handed out before.</summary>
public sealed record RegistryCredentials(string? Username, string? Password, string? IdentityToken = null)
{
    public bool IsEmpty => string.IsNullOrEmpty(Username) && string.IsNullOrEmpty(IdentityToken);
}
