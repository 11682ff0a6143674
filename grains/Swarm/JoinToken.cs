using System.Security.Cryptography;

namespace Flotilla.Grains.Swarm;

/// <summary>
/// Join tokens in docker's shape: "FLTKN-1-&lt;cluster&gt;-&lt;secret&gt;". The cluster part lets a node that was given
/// the token of another swarm be told so; only the secret admits, and each role has its own.
/// </summary>
public static class JoinToken
{
    private const string Prefix = "FLTKN-1-";

    public static string NewSecret() => SwarmIds.New();

    public static string Format(string clusterId, string secret) => $"{Prefix}{clusterId}-{secret}";

    /// <summary>Splits a token into its cluster id and secret; null when it does not have the token's shape.</summary>
    public static (string ClusterId, string Secret)? Parse(string? token)
    {
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = token[Prefix.Length..];
        var dash = rest.LastIndexOf('-');
        return dash <= 0 || dash == rest.Length - 1 ? null : (rest[..dash], rest[(dash + 1)..]);
    }

    /// <summary>Compares secrets in constant time, so a wrong token teaches nothing about the right one.</summary>
    public static bool SecretEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(a), System.Text.Encoding.UTF8.GetBytes(b));
}
