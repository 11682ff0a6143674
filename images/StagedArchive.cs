using System.Formats.Tar;

namespace Flotilla.Images;

/// <summary>
/// The regular files of an image archive (`docker save` or OCI layout), extracted under flat names of our own —
/// never by their archive path — and found again by archive name. Symlinks, which `docker save` uses for
/// repeated layers, resolve to the file they name inside the archive.
/// </summary>
internal sealed class StagedArchive
{
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);

    /// <summary>Reads <paramref name="tar"/> with async reads only (it may be a request body).</summary>
    public static async Task<StagedArchive> ExtractAsync(Stream tar, string staging, CancellationToken ct)
    {
        Directory.CreateDirectory(staging);
        var archive = new StagedArchive();
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        var count = 0;
        try
        {
            await using var reader = new TarReader(tar, leaveOpen: true);
            while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                var name = LayerUnpacker.Normalize(entry.Name);
                switch (entry.EntryType)
                {
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        var path = Path.Combine(staging, (count++).ToString());
                        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                        {
                            if (entry.DataStream is { } data)
                            {
                                await data.CopyToAsync(file, ct);
                            }
                        }

                        archive._files[name] = path;
                        break;
                    case TarEntryType.SymbolicLink or TarEntryType.HardLink:
                        var target = entry.EntryType == TarEntryType.HardLink || entry.LinkName.StartsWith('/')
                            ? entry.LinkName.TrimStart('/')
                            : Combine(Path.GetDirectoryName(name) ?? "", entry.LinkName);
                        links[name] = LayerUnpacker.Normalize(target);
                        break;
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw ImageStoreException.Invalid($"the image archive is not a tar archive (plain or gzip): {e.Message}");
        }

        foreach (var (link, target) in links)
        {
            if (archive._files.TryGetValue(target, out var path))
            {
                archive._files[link] = path;
            }
        }

        return archive;
    }

    public bool Contains(string name) => _files.ContainsKey(name);

    public byte[] Read(string name) => File.ReadAllBytes(PathOf(name));

    public FileStream Open(string name) => File.OpenRead(PathOf(name));

    public long Length(string name) => new FileInfo(PathOf(name)).Length;

    private string PathOf(string name) =>
        _files.TryGetValue(LayerUnpacker.Normalize(name), out var path)
            ? path
            : throw ImageStoreException.Invalid($"the image archive lacks '{name}'");

    /// <summary>A link target relative to its directory, as an archive name; refused when it climbs out of the archive.</summary>
    private static string Combine(string directory, string relative)
    {
        var parts = directory.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        foreach (var part in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    throw ImageStoreException.Invalid($"archive link '{relative}' in '{directory}' points outside the archive");
                }

                parts.RemoveAt(parts.Count - 1);
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }

        return string.Join('/', parts);
    }
}
