namespace Flotilla.Cli.Parsing;

/// <summary>
/// One `-v SRC:DST[:ro|rw]`: a SRC with a slash (or starting with ".") is a host path to bind mount, otherwise it
/// names a volume. Relative paths are made absolute here, as docker's CLI does, since the daemon has another cwd.
/// </summary>
public sealed record VolumeSpec(string Source, string Destination, bool ReadOnly, bool IsBind)
{
    /// <summary>HostConfig.Binds form.</summary>
    public string ToBind() => $"{Source}:{Destination}" + (ReadOnly ? ":ro" : "");

    public static VolumeSpec Parse(string text, string currentDirectory)
    {
        var parts = text.Split(':');
        if (parts.Length == 1)
        {
            throw Invalid(text, "anonymous volumes are not supported: name the volume (NAME:" + (text.StartsWith('/') ? text : "/path") + ") or give a host path (/host/dir:/path)");
        }

        if (parts.Length > 3 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            throw Invalid(text, "expected SOURCE:DESTINATION[:ro|rw]");
        }

        var (source, destination) = (parts[0], parts[1]);
        var readOnly = parts.Length == 3 && parts[2] switch
        {
            "ro" => true,
            "rw" => false,
            var mode => throw Invalid(text, $"unknown mode '{mode}' (use ro or rw)"),
        };

        if (!destination.StartsWith('/'))
        {
            throw Invalid(text, $"the destination '{destination}' must be an absolute path inside the container");
        }

        if (destination.TrimEnd('/').Length == 0)
        {
            throw Invalid(text, "the destination cannot be '/'");
        }

        var isBind = source.Contains('/') || source.StartsWith('.');
        if (isBind)
        {
            if (!source.StartsWith('/') && !source.StartsWith('.'))
            {
                throw Invalid(text, $"'{source}' is neither a volume name nor a host path: start a relative host path with ./");
            }

            source = Path.GetFullPath(source, currentDirectory);
        }
        else if (!IsVolumeName(source))
        {
            throw Invalid(text, $"'{source}' is not a valid volume name: use letters, digits, '_', '.', '-' (at least 2 characters, starting with a letter or digit)");
        }

        return new VolumeSpec(source, destination, readOnly, isBind);
    }

    /// <summary>docker's volume name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+.</summary>
    private static bool IsVolumeName(string name) =>
        name.Length >= 2 && char.IsAsciiLetterOrDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    private static FormatException Invalid(string text, string why) => new($"invalid volume specification '{text}': {why}");
}
