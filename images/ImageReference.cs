using System.Text.RegularExpressions;

namespace Flotilla.Images;

/// <summary>
/// An image reference normalised as docker does (distribution/reference's ParseNormalizedNamed): "busybox" is
/// docker.io/library/busybox:latest, "localhost:5000/a/b:v1" keeps its registry, "name@sha256:…" pins a manifest.
/// </summary>
public sealed partial record ImageReference(string Domain, string Path, string? Tag, string? Digest)
{
    public const string DefaultDomain = "docker.io";
    public const string DefaultTag = "latest";

    private const string LegacyDefaultDomain = "index.docker.io";
    private const string OfficialPrefix = "library/";
    private const int MaxPathLength = 255;

    // distribution/reference's grammar: domain (optional, with port) / path components [:tag] [@digest].
    private const string PathComponentPattern = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
    private const string DomainComponentPattern = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private const string DomainPattern = "(?:" + DomainComponentPattern + "(?:\\." + DomainComponentPattern + ")*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?";
    private const string TagPattern = "[\\w][\\w.-]{0,127}";
    private const string DigestPattern = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

    [GeneratedRegex("^(" + DomainPattern + ")/(" + PathComponentPattern + "(?:/" + PathComponentPattern + ")*)(?::(" + TagPattern + "))?(?:@(" + DigestPattern + "))?$")]
    private static partial Regex Grammar();

    [GeneratedRegex("^" + TagPattern + "$")]
    private static partial Regex TagOnly();

    [GeneratedRegex("^[a-f0-9]{64}$")]
    private static partial Regex Identifier();

    /// <summary>"domain/path", e.g. docker.io/library/busybox.</summary>
    public string Repository => $"{Domain}/{Path}";

    /// <summary>The full normalised form: repository plus tag and/or digest.</summary>
    public override string ToString() => Repository + Suffix;

    /// <summary>The short form docker prints: no docker.io/, no library/ ("busybox:latest").</summary>
    public string Familiar => FamiliarRepository + Suffix;

    public string FamiliarRepository
    {
        get
        {
            if (Domain != DefaultDomain)
            {
                return Repository;
            }

            var official = Path.StartsWith(OfficialPrefix, StringComparison.Ordinal) ? Path[OfficialPrefix.Length..] : null;
            return official is not null && !official.Contains('/') ? official : Path;
        }
    }

    private string Suffix => (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    /// <summary>This repository with another tag (and no digest).</summary>
    public ImageReference WithTag(string tag) => this with { Tag = tag, Digest = null };

    public static ImageReference Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            throw Invalid(text, "the reference is empty; give a name such as busybox or busybox:latest");
        }

        if (Identifier().IsMatch(text))
        {
            throw ImageStoreException.Invalid($"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings");
        }

        var (domain, remainder) = SplitDomain(text);
        var tagSeparator = remainder.IndexOf(':');
        var remote = tagSeparator >= 0 ? remainder[..tagSeparator] : remainder;
        if (!remote.Equals(remote.ToLowerInvariant(), StringComparison.Ordinal))
        {
            throw ImageStoreException.Invalid($"invalid reference format: repository name ({remote}) must be lowercase");
        }

        var match = Grammar().Match(domain + "/" + remainder);
        if (!match.Success)
        {
            throw Invalid(text, Explain(domain, remainder));
        }

        var path = match.Groups[2].Value;
        if (path.Length > MaxPathLength)
        {
            throw Invalid(text, $"repository name must not be more than {MaxPathLength} characters");
        }

        var tag = match.Groups[3].Success ? match.Groups[3].Value : null;
        var digest = match.Groups[4].Success ? match.Groups[4].Value : null;
        if (digest is not null && !Digests.IsValid(digest))
        {
            throw Invalid(text, $"unsupported digest '{digest}': only sha256: followed by 64 lowercase hex digits is supported");
        }

        return new ImageReference(domain, path, tag ?? (digest is null ? DefaultTag : null), digest);
    }

    /// <summary>Like <see cref="Parse"/>, but null where <paramref name="text"/> is not a valid reference.</summary>
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

    /// <summary>docker's splitDockerDomain: the first component is a registry only if it looks like a host.</summary>
    private static (string Domain, string Remainder) SplitDomain(string name)
    {
        var slash = name.IndexOf('/');
        if (slash < 0)
        {
            return (DefaultDomain, OfficialPrefix + name);
        }

        var first = name[..slash];
        var rest = name[(slash + 1)..];
        var (domain, remainder) = first switch
        {
            "localhost" => (first, rest),
            LegacyDefaultDomain => (DefaultDomain, rest),
            _ when first.IndexOfAny(['.', ':']) >= 0 => (first, rest),
            _ when !first.Equals(first.ToLowerInvariant(), StringComparison.Ordinal) => (first, rest),
            _ => (DefaultDomain, name),
        };

        if (domain == DefaultDomain && !remainder.Contains('/'))
        {
            remainder = OfficialPrefix + remainder;
        }

        return (domain, remainder);
    }

    /// <summary>Says which part of a reference the grammar rejected.</summary>
    private static string Explain(string domain, string remainder)
    {
        var at = remainder.IndexOf('@');
        var digest = at >= 0 ? remainder[(at + 1)..] : null;
        var nameAndTag = at >= 0 ? remainder[..at] : remainder;
        var colon = nameAndTag.LastIndexOf(':');
        var tag = colon > nameAndTag.LastIndexOf('/') ? nameAndTag[(colon + 1)..] : null;
        var path = tag is null ? nameAndTag : nameAndTag[..colon];

        if (digest is not null && !Digests.IsValid(digest))
        {
            return $"the digest '{digest}' must be sha256: followed by 64 lowercase hex digits";
        }

        if (tag is not null && !TagOnly().IsMatch(tag))
        {
            return $"the tag '{tag}' must be 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'";
        }

        if (!Regex.IsMatch(domain, "^" + DomainPattern + "$"))
        {
            return $"'{domain}' is not a valid registry host[:port]";
        }

        var bad = path.Split('/').FirstOrDefault(c => !Regex.IsMatch(c, "^" + PathComponentPattern + "$"));
        return bad is not null
            ? $"the name component '{bad}' must be lowercase letters and digits, separated by single '.', '_' or '__', or by dashes"
            : "expected NAME[:TAG][@DIGEST]";
    }

    private static ImageStoreException Invalid(string text, string why) =>
        ImageStoreException.Invalid($"invalid reference format: {why} (in \"{text}\")");
}
