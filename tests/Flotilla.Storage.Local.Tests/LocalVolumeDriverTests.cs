using System.Text.Json;
using Flotilla.Plugins;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flotilla.Storage.Local.Tests;

public sealed class LocalVolumeDriverTests : IDisposable
{
    private static readonly Dictionary<string, string> None = [];

    private readonly string _dataRoot = Path.Combine(Path.GetTempPath(), "flotilla-storage-local-tests", Guid.NewGuid().ToString("N")[..12]);
    private readonly IVolumeDriver _driver;

    public LocalVolumeDriverTests()
    {
        var registry = new Registry();
        var context = new PluginContext(_dataRoot, Path.Combine(_dataRoot, "run"), new Dictionary<string, string?>(), NullLoggerFactory.Instance);
        var plugin = new StorageLocalPlugin();
        plugin.Register(registry, context);
        Assert.Equal("storage-local", plugin.Name);
        _driver = Assert.Single(registry.Drivers);
    }

    private string VolumesRoot => Path.Combine(_dataRoot, "plugins", "storage-local", "volumes");

    public void Dispose()
    {
        if (Directory.Exists(_dataRoot))
        {
            Directory.Delete(_dataRoot, recursive: true);
        }
    }

    [Fact]
    public async Task Create_list_inspect_and_remove_a_volume()
    {
        Assert.Equal("local", _driver.Name);
        var labels = new Dictionary<string, string> { ["team"] = "db" };

        var created = await _driver.CreateAsync("data_1.v-2", None, labels, default);

        Assert.Equal("data_1.v-2", created.Name);
        Assert.Equal("local", created.Driver);
        Assert.Equal(Path.Combine(VolumesRoot, "data_1.v-2", "_data"), created.Mountpoint);
        Assert.True(Directory.Exists(created.Mountpoint));
        Assert.Equal("db", created.Labels["team"]);
        Assert.InRange(created.CreatedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
        using (var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(VolumesRoot, "data_1.v-2", "volume.json"))))
        {
            Assert.Equal("db", meta.RootElement.GetProperty("Labels").GetProperty("team").GetString());
        }

        var fetched = await _driver.GetAsync("data_1.v-2", default);
        Assert.Equal(created.Mountpoint, fetched!.Mountpoint);
        Assert.Equal(created.CreatedAt, fetched.CreatedAt);
        Assert.Equal("db", fetched.Labels["team"]);

        await _driver.CreateAsync("other", None, None, default);
        Assert.Equal(["data_1.v-2", "other"], (await _driver.ListAsync(default)).Select(v => v.Name));

        File.WriteAllText(Path.Combine(created.Mountpoint, "payload"), "keep me?");
        await _driver.RemoveAsync("data_1.v-2", default);

        Assert.Null(await _driver.GetAsync("data_1.v-2", default));
        Assert.False(Directory.Exists(Path.Combine(VolumesRoot, "data_1.v-2")));
        Assert.Equal(["other"], (await _driver.ListAsync(default)).Select(v => v.Name));
        Assert.Equal(["other"], Directory.GetDirectories(VolumesRoot).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Creating_an_existing_volume_returns_it_unchanged_with_its_data()
    {
        var first = await _driver.CreateAsync("vol", None, new Dictionary<string, string> { ["v"] = "1" }, default);
        File.WriteAllText(Path.Combine(first.Mountpoint, "data"), "kept");

        var second = await _driver.CreateAsync("vol", None, new Dictionary<string, string> { ["v"] = "2" }, default);

        Assert.Equal(first.CreatedAt, second.CreatedAt);
        Assert.Equal("1", second.Labels["v"]);
        Assert.Equal("kept", File.ReadAllText(Path.Combine(second.Mountpoint, "data")));
    }

    [Fact]
    public async Task Concurrent_creates_of_one_name_make_one_volume()
    {
        var volumes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _driver.CreateAsync("same", None, None, default))));

        Assert.Single(volumes.Select(v => v.CreatedAt).Distinct());
        Assert.Single(await _driver.ListAsync(default));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("-leading-dash")]
    [InlineData(".hidden")]
    [InlineData("has space")]
    [InlineData("../escape")]
    [InlineData("/abs/path")]
    [InlineData("sub/dir")]
    [InlineData("")]
    public async Task Bad_names_are_refused_and_create_nothing(string name)
    {
        var error = await Assert.ThrowsAsync<PluginException>(() => _driver.CreateAsync(name, None, None, default));

        Assert.Equal(PluginErrorKind.InvalidInput, error.Kind);
        Assert.Contains("includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed", error.Message);
        Assert.Equal(PluginErrorKind.InvalidInput, (await Assert.ThrowsAsync<PluginException>(() => _driver.GetAsync(name, default))).Kind);
        Assert.Equal(PluginErrorKind.InvalidInput, (await Assert.ThrowsAsync<PluginException>(() => _driver.RemoveAsync(name, default))).Kind);
        Assert.False(Directory.Exists(VolumesRoot) && Directory.EnumerateFileSystemEntries(VolumesRoot).Any());
        Assert.False(Directory.Exists(Path.Combine(Path.GetTempPath(), "flotilla-storage-local-tests", "escape")));
    }

    [Fact]
    public async Task Options_are_refused_and_missing_volumes_are_not_found()
    {
        var options = await Assert.ThrowsAsync<PluginException>(() => _driver.CreateAsync("vol", new Dictionary<string, string> { ["type"] = "tmpfs" }, None, default));
        Assert.Equal(PluginErrorKind.InvalidInput, options.Kind);
        Assert.Contains("takes no options (got: type)", options.Message);
        Assert.Null(await _driver.GetAsync("vol", default));

        var missing = await Assert.ThrowsAsync<PluginException>(() => _driver.RemoveAsync("ghost", default));
        Assert.Equal(PluginErrorKind.NotFound, missing.Kind);
        Assert.Equal("get ghost: no such volume", missing.Message);
    }

    [Fact]
    public async Task Half_made_and_half_removed_volumes_are_not_listed_and_get_cleaned_up()
    {
        await _driver.CreateAsync("good", None, None, default);
        Directory.CreateDirectory(Path.Combine(VolumesRoot, "half", "_data")); // crashed before volume.json
        Directory.CreateDirectory(Path.Combine(VolumesRoot, ".removing-0123", "_data")); // crashed while removing

        Assert.Equal(["good"], (await _driver.ListAsync(default)).Select(v => v.Name));
        Assert.Null(await _driver.GetAsync("half", default));

        var restarted = new LocalVolumeDriver(VolumesRoot, NullLogger.Instance);
        restarted.CleanUp();
        Assert.False(Directory.Exists(Path.Combine(VolumesRoot, ".removing-0123")));
        Assert.Equal("half", (await restarted.CreateAsync("half", None, None, default)).Name);
    }

    private sealed class Registry : IPluginRegistry
    {
        public List<IVolumeDriver> Drivers { get; } = [];

        public void AddRuntime(IContainerRuntime runtime) => throw new InvalidOperationException("storage-local registers no runtime");

        public void AddVolumeDriver(IVolumeDriver driver) => Drivers.Add(driver);
    }
}
