using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Flotilla.Images;

public static partial class Digests
{
    [GeneratedRegex("^sha256:[a-f0-9]{64}$")]
    private static partial Regex Sha256();

    public static string Of(ReadOnlySpan<byte> data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    public static string Hex(string digest) =>
        Sha256().IsMatch(digest) ? digest[7..] : throw ImageStoreException.Invalid($"'{digest}' is not a sha256 digest");

    public static bool IsValid(string digest) => Sha256().IsMatch(digest);
}
