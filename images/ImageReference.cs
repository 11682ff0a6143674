using System.Text.RegularExpressions;

namespace Flotilla.Images;

/// <summary>
/// An image reference normalised as docker does: "busybox" is docker.io/library/busybox:latest,
/// "localhost:5000/a/b:v1" keeps its registry, "name@sha256:…" pins a manifest digest.
/// </summary>
public sealed partial record ImageReference(string Domain, string Path, string? Tag, string? Digest)
{
    public const string DefaultDomain = "docker.io";
    public const string DefaultTag = "latest";

    private const int MaxNameLength = 255;

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$")]
    private static partial Regex PathComponent();

    [GeneratedRegex("^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$|^\\[[a-fA-F0-9:]+\\](?::[0-9]+)?$")]
    private static partial Regex DomainPattern();

    [GeneratedRegex("^[\\w][\\w.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^sha256:[a-f0-9]{64}$")]
    private static partial Regex DigestPattern();

    /// <summary>"domain/path", e.g. docker.io/library/busybox.</summary>
    public string Repository => $"{Domain}/{Path}";

    /// <summary>The full normalised form: repository plus tag and/or digest.</summary>
    public override string ToString() => Repository + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    /// <summary>The short form docker prints: no docker.io/, no library/.</summary>
    public string Familiar => FamiliarRepository + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    public string FamiliarRepository =>
        Domain == DefaultDomain ? Path.StartsWith("library/", StringComparison.Ordinal) && Path.Count(c => c == '/') == 1 ? Path["library/".Length..] : Path : Repository;

    public static ImageReference Parse(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            throw ImageStoreException.Invalid("invalid reference format: the image reference is empty");
        }

        var rest = text;
        string? digest = null;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (!DigestPattern().IsMatch(digest))
            {
                throw Invalid(text, $"the digest '{digest}' is not sha256: followed by 64 lowercase hex digits");
            }
        }

        string? tag = null;
        var lastSlash = rest.LastIndexOf('/');
        var colon = rest.LastIndexOf(':');
        if (colon > lastSlash)
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!TagPattern().IsMatch(tag))
            {
                throw Invalid(text, $"the tag '{tag}' may hold only letters, digits, '_', '.' and '-' (128 at most)");
            }
        }

        var (domain, path) = SplitDomain(rest);
        if (domain != DefaultDomain && !DomainPattern().IsMatch(domain))
        {
            throw Invalid(text, $"'{domain}' is not a valid registry host");
        }

        if (path.Length == 0)
        {
            throw Invalid(text, "the repository name is empty");
        }

        if (path.Any(char.IsUpper))
        {
            throw Invalid(text, $"repository name ({path}) must be lowercase");
        }

        foreach (var component in path.Split('/'))
        {
            if (!PathComponent().IsMatch(component))
            {
                throw Invalid(text, $"'{component}' is not a valid repository name component (lowercase letters, digits and single separators . _ __ -)");
            }
        }

        if (domain.Length + 1 + path.Length > MaxNameLength)
        {
            throw Invalid(text, $"repository name must not be more than {MaxNameLength} characters");
        }

        if (domain == DefaultDomain && !path.Contains('/'))
        {
            path = "library/" + path;
        }

        return new ImageReference(domain, path, tag ?? (digest is null ? DefaultTag : null), digest);
    }

    /// <summary>Like <see cref="Parse"/>, but null where <paramref name="text"/> is not a reference at all.</summary>
    public static ImageReference? TryParse(string text)
    {
        try
        {
            return Parse(text);
        }
        catch (ImageStoreException)
        {
            return null;
        }
    }

    private static (string Domain, string Path) SplitDomain(string name)
    {
        var slash = name.IndexOf('/');
        if (slash < 0)
        {
            return (DefaultDomain, name);
        }

        var first = name[..slash];
        var isDomain = first.Contains('.') || first.Contains(':') || first == "localhost" || first.Any(char.IsUpper);
        if (!isDomain)
        {
            return (DefaultDomain, name);
        }

        return (first == "index.docker.io" ? DefaultDomain : first, name[(slash + 1)..]);
    }

    private static ImageStoreException Invalid(string text, string why) =>
        ImageStoreException.Invalid($"invalid reference format: {why} (in \"{text}\")");
}
