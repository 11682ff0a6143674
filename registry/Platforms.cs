using Flotilla.Images.Oci;

namespace Flotilla.Registry;

/// <summary>"os/architecture[/variant]" as docker's --platform takes it; this node runs linux/amd64.</summary>
public static class Platforms
{
    public static readonly Platform Default = new() { Os = "linux", Architecture = "amd64" };

    public static Platform Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Default;
        }

        var parts = text.Trim().ToLowerInvariant().Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0))
        {
            throw RegistryException.Invalid($"invalid platform '{text}': expected OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm64/v8");
        }

        return new Platform { Os = parts[0], Architecture = parts[1], Variant = parts.Length == 3 ? parts[2] : null };
    }

    public static bool Matches(Platform? candidate, Platform wanted) =>
        candidate is not null
        && candidate.Os == wanted.Os
        && candidate.Architecture == wanted.Architecture
        && (wanted.Variant is null || candidate.Variant == wanted.Variant);

    public static string Format(Platform? p) =>
        p is null ? "unknown" : $"{p.Os}/{p.Architecture}" + (string.IsNullOrEmpty(p.Variant) ? "" : "/" + p.Variant);
}
