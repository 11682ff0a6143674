using System.Text.Json;
using System.Text.RegularExpressions;
using Flotilla.Plugins;
using Microsoft.Extensions.Logging;

namespace Flotilla.Storage.Local;

/// <summary>
/// docker's local driver layout: ROOT/NAME/_data holds the data, ROOT/NAME/volume.json what was said at creation.
/// A volume exists exactly when its volume.json does; that file is written atomically (temp file + rename).
/// </summary>
public sealed partial class LocalVolumeDriver(string root, ILogger logger) : IVolumeDriver
{
    private const string MetadataFile = "volume.json";
    private const string DataDirectory = "_data";

    // Names a volume can never have (they start with '.'), for directories on their way out.
    private const string TrashPrefix = ".removing-";

    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Name => "local";

    public string Root => root;

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex ValidName();

    public async Task<VolumeInfo> CreateAsync(string name, IReadOnlyDictionary<string, string> options, IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        Validate(name);
        if (options.Count > 0)
        {
            throw new PluginException(
                $"create {name}: the local driver takes no options (got: {string.Join(", ", options.Keys)}); leave out --opt",
                PluginErrorKind.InvalidInput);
        }

        await _gate.WaitAsync(ct);
        try
        {
            if (await ReadAsync(name, ct) is { } existing)
            {
                return existing; // docker: creating an existing volume returns it unchanged
            }

            var dir = Path.Combine(root, name);
            Directory.CreateDirectory(Path.Combine(dir, DataDirectory));
            var meta = new VolumeMetadata
            {
                CreatedAt = DateTimeOffset.UtcNow,
                Labels = labels.ToDictionary(),
                Options = options.ToDictionary(),
            };
            var temp = Path.Combine(dir, MetadataFile + ".tmp");
            await File.WriteAllBytesAsync(temp, JsonSerializer.SerializeToUtf8Bytes(meta, VolumeJsonContext.Default.VolumeMetadata), ct);
            File.Move(temp, Path.Combine(dir, MetadataFile), overwrite: true);
            logger.LogInformation("Created volume {Volume}", name);
            return ToInfo(name, meta);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task<VolumeInfo?> GetAsync(string name, CancellationToken ct)
    {
        Validate(name);
        return ReadAsync(name, ct);
    }

    public async Task<IReadOnlyList<VolumeInfo>> ListAsync(CancellationToken ct)
    {
        if (!Directory.Exists(root))
        {
            return [];
        }

        var volumes = new List<VolumeInfo>();
        foreach (var name in Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Where(n => ValidName().IsMatch(n)).Order(StringComparer.Ordinal))
        {
            if (await ReadAsync(name, ct) is { } volume)
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
            if (!File.Exists(Path.Combine(dir, MetadataFile)))
            {
                throw new PluginException($"get {name}: no such volume", PluginErrorKind.NotFound);
            }

            // Renamed away first: a crash half-way must not leave old data under the name for a new volume.
            var trash = Path.Combine(root, TrashPrefix + Guid.NewGuid().ToString("N"));
            Directory.Move(dir, trash);
            Directory.Delete(trash, recursive: true);
            logger.LogInformation("Removed volume {Volume}", name);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Finishes removals a crash interrupted.</summary>
    public void CleanUp()
    {
        if (!Directory.Exists(root))
        {
            return;
        }

        foreach (var trash in Directory.GetDirectories(root, TrashPrefix + "*"))
        {
            Directory.Delete(trash, recursive: true);
        }
    }

    private async Task<VolumeInfo?> ReadAsync(string name, CancellationToken ct)
    {
        var file = Path.Combine(root, name, MetadataFile);
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(file, ct);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            return ToInfo(name, JsonSerializer.Deserialize(bytes, VolumeJsonContext.Default.VolumeMetadata)!);
        }
        catch (JsonException e)
        {
            throw new PluginException($"volume {name}: its metadata {file} is not valid JSON ({e.Message}); fix or remove that file", PluginErrorKind.Failed, e);
        }
    }

    private VolumeInfo ToInfo(string name, VolumeMetadata meta) =>
        new(name, Name, Path.Combine(root, name, DataDirectory), meta.CreatedAt, meta.Labels, meta.Options);

    private static void Validate(string name)
    {
        if (!ValidName().IsMatch(name))
        {
            throw new PluginException(
                $"create {name}: \"{name}\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed " +
                "(at least two characters). If you intended to pass a host directory, use absolute path",
                PluginErrorKind.InvalidInput);
        }
    }
}
