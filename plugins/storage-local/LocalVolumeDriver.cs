using System.Text.Json;
using System.Text.RegularExpressions;
using Flotilla.Plugins;

namespace Flotilla.Storage.Local;

/// <summary>
/// docker's local driver layout: ROOT/NAME/_data holds the data, ROOT/NAME/volume.json what was said at creation.
/// </summary>
public sealed partial class LocalVolumeDriver(string root) : IVolumeDriver
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Name => "local";

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex ValidName();

    public async Task<VolumeInfo> CreateAsync(string name, IReadOnlyDictionary<string, string> options, IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        Validate(name);
        if (options.Count > 0)
        {
            throw new PluginException($"the local driver takes no options (got: {string.Join(", ", options.Keys)})", PluginErrorKind.InvalidInput);
        }

        await _gate.WaitAsync(ct);
        try
        {
            if (await GetAsync(name, ct) is { } existing)
            {
                return existing;
            }

            var dir = Path.Combine(root, name);
            Directory.CreateDirectory(Path.Combine(dir, "_data"));
            var meta = new VolumeMetadata { CreatedAt = DateTimeOffset.UtcNow, Labels = new(labels) };
            var temp = Path.Combine(dir, "volume.json.tmp");
            await File.WriteAllBytesAsync(temp, JsonSerializer.SerializeToUtf8Bytes(meta, VolumeJsonContext.Default.VolumeMetadata), ct);
            File.Move(temp, Path.Combine(dir, "volume.json"), overwrite: true);
            return ToInfo(name, meta);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<VolumeInfo?> GetAsync(string name, CancellationToken ct)
    {
        Validate(name);
        var file = Path.Combine(root, name, "volume.json");
        if (!File.Exists(file))
        {
            return null;
        }

        var meta = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(file, ct), VolumeJsonContext.Default.VolumeMetadata)!;
        return ToInfo(name, meta);
    }

    public async Task<IReadOnlyList<VolumeInfo>> ListAsync(CancellationToken ct)
    {
        if (!Directory.Exists(root))
        {
            return [];
        }

        var volumes = new List<VolumeInfo>();
        foreach (var dir in Directory.GetDirectories(root))
        {
            if (await GetAsync(Path.GetFileName(dir), ct) is { } volume)
            {
                volumes.Add(volume);
            }
        }

        return volumes;
    }

    public async Task RemoveAsync(string name, CancellationToken ct)
    {
        Validate(name);
        await _gate.WaitAsync(ct);
        try
        {
            var dir = Path.Combine(root, name);
            if (!File.Exists(Path.Combine(dir, "volume.json")))
            {
                throw new PluginException($"get {name}: no such volume", PluginErrorKind.NotFound);
            }

            // Metadata first: a crash half-way leaves no volume that looks whole.
            File.Delete(Path.Combine(dir, "volume.json"));
            Directory.Delete(dir, recursive: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    private VolumeInfo ToInfo(string name, VolumeMetadata meta) =>
        new(name, Name, Path.Combine(root, name, "_data"), meta.CreatedAt, meta.Labels, new Dictionary<string, string>());

    private static void Validate(string name)
    {
        if (!ValidName().IsMatch(name))
        {
            throw new PluginException(
                $"\"{name}\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path",
                PluginErrorKind.InvalidInput);
        }
    }
}
