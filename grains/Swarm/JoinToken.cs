using System.Numerics;
using System.Security.Cryptography;

namespace Flotilla.Grains.Swarm;

/// <summary>
/// Join tokens in swarmkit's shape: "FLTKN-1-&lt;CA digest&gt;-&lt;secret&gt;". The digest (SHA-256 of the cluster CA
/// certificate, base 36) lets a joining node check that the manager it reached holds that swarm's CA before it sends
/// the secret, so it trusts nothing on first use; only the secret admits, and each role has its own.
/// </summary>
public static class JoinToken
{
    private const string Prefix = "FLTKN-1-";

    public static string NewSecret() => SwarmIds.New();

    public static string Format(string caDigest, string secret) => $"{Prefix}{caDigest}-{secret}";

    /// <summary>Splits a token into its CA digest and secret; null when it does not have the token's shape.</summary>
    public static (string CaDigest, string Secret)? Parse(string? token)
    {
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = token[Prefix.Length..];
        var dash = rest.LastIndexOf('-');
        return dash <= 0 || dash == rest.Length - 1 ? null : (rest[..dash], rest[(dash + 1)..]);
    }

    /// <summary>The digest a token carries for a CA certificate (its DER bytes): SHA-256 in base 36, 50 characters, as swarmkit's.</summary>
    public static string Digest(byte[] caCertificate)
    {
        var value = new BigInteger(SHA256.HashData(caCertificate), isUnsigned: true, isBigEndian: true);
        var digits = new char[50];
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            digits[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[(int)(value % 36)];
            value /= 36;
        }

        return new string(digits);
    }

    /// <summary>Compares secrets in constant time, so a wrong token teaches nothing about the right one.</summary>
    public static bool SecretEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(a), System.Text.Encoding.UTF8.GetBytes(b));
}
