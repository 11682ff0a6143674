using Flotilla.Images;
using Flotilla.Images.Oci;
using Flotilla.Images.Tests;

namespace Flotilla.Registry.Tests;

/// <summary>Push and pull against Debian's docker-registry (distribution 2.8) on loopback, plain and with htpasswd.</summary>
public sealed class RealRegistryTests
{
    private static TestImage ThreeLayers(bool docker = false) => TestImage.Create(
        [(TestImage.Layer("one"), true), (TestImage.Layer("two"), false), (TestImage.Layer("three", files: 5), true)], docker);

    [Fact]
    public async Task Pushed_image_pulls_back_identical_into_a_fresh_store_and_nothing_is_sent_twice()
    {
        await using var registry = await DockerRegistry.StartAsync();
        await using var source = new StoreFixture();
        await using var target = new StoreFixture();
        var name = $"{registry.Host}/test/app:v1";
        var image = ThreeLayers();
        var loaded = await source.LoadAsync(image, name);

        var pushLog = new List<TransferProgress>();
        var digest = await source.PushAsync(name, log: pushLog);
        Assert.Equal(image.ManifestDigest, digest);
        Assert.Equal(3, pushLog.Count(p => p.Status == "Pushed" && p.Id is not null && image.LayerDigests.Any(d => d[7..19] == p.Id)));

        var pullLog = new List<TransferProgress>();
        var pulled = await target.PullAsync(name, log: pullLog);
        Assert.Equal(loaded.Id, pulled.Id);
        Assert.Equal(image.ManifestDigest, pulled.ManifestDigest);
        Assert.Equal(name, Assert.Single(pulled.RepoTags).ToString());
        var layers = await target.Store.GetLayerDirectoriesAsync(pulled, CancellationToken.None);
        Assert.Equal("hello from three\n", File.ReadAllText(Path.Combine(layers[2], "three", "hello")));
        Assert.Contains(pullLog, p => p.Status == "Downloading" && p.Total > 0);
        Assert.Contains(pullLog, p => p.Status == $"Status: Downloaded newer image for {name}");

        var again = new List<TransferProgress>();
        await source.PushAsync(name, log: again);
        Assert.Equal(4, again.Count(p => p.Status == "Layer already exists")); // three layers and the config
        var repull = new List<TransferProgress>();
        await target.PullAsync(name, log: repull);
        Assert.Equal(3, repull.Count(p => p.Status == "Already exists"));
        Assert.DoesNotContain(repull, p => p.Status == "Downloading");
        Assert.Contains(repull, p => p.Status == $"Status: Image is up to date for {name}");
    }

    [Fact]
    public async Task Docker_schema2_image_by_digest_and_chunked_upload_and_cross_repository_mount()
    {
        await using var registry = await DockerRegistry.StartAsync();
        await using var source = new StoreFixture(new RegistryOptions { ChunkSize = 64 << 10 });
        await using var target = new StoreFixture();
        var big = new byte[300 << 10];
        new Random(7).NextBytes(big); // incompressible: five chunks
        var image = TestImage.Create([(new TarBuilder().File("big", big).Build(), true), (TestImage.Layer("small"), false)], docker: true);
        var first = $"{registry.Host}/test/a:v1";
        await source.LoadAsync(image, first);
        await source.PushAsync(first);

        await source.Store.TagAsync(first, $"{registry.Host}/test/b:v1", CancellationToken.None);
        var mountLog = new List<TransferProgress>();
        await source.PushAsync($"{registry.Host}/test/b:v1", log: mountLog);
        Assert.Equal(3, mountLog.Count(p => p.Status == "Mounted from test/a"));

        var pulled = await target.PullAsync($"{registry.Host}/test/b@{image.ManifestDigest}");
        Assert.Equal(image.ManifestDigest, pulled.ManifestDigest);
        Assert.Empty(pulled.RepoTags); // a pull by digest names no tag, as in docker
        Assert.Equal(MediaTypes.DockerManifest, System.Text.Json.JsonDocument.Parse(target.Store.ReadBlob(pulled.ManifestDigest)).RootElement.GetProperty("mediaType").GetString());
        var layers = await target.Store.GetLayerDirectoriesAsync(pulled, CancellationToken.None);
        Assert.Equal(big, File.ReadAllBytes(Path.Combine(layers[0], "big")));
        Assert.Equal(pulled.Id, target.Store.Resolve($"{registry.Host}/test/b@{image.ManifestDigest}").Id);
    }

    [Fact]
    public async Task Unknown_repository_or_tag_is_a_clear_not_found_and_leaves_the_store_untouched()
    {
        await using var registry = await DockerRegistry.StartAsync();
        await using var store = new StoreFixture();
        var before = store.Files();
        var e = await Assert.ThrowsAsync<RegistryException>(() => store.PullAsync($"{registry.Host}/no/such:tag"));
        Assert.Equal(ImageStoreErrorKind.NotFound, e.Kind);
        Assert.Contains($"registry {registry.Host} has no manifest no/such:tag", e.Message);
        Assert.Equal(before, store.Files());
    }

    [Fact]
    public async Task Htpasswd_registry_needs_the_right_credentials_for_push_and_pull()
    {
        await using var registry = await DockerRegistry.StartAsync("alice", "s3cret-pw");
        await using var source = new StoreFixture();
        await using var target = new StoreFixture();
        var name = $"{registry.Host}/private/app:v1";
        await source.LoadAsync(ThreeLayers(), name);

        var anonymous = await Assert.ThrowsAsync<RegistryException>(() => source.PushAsync(name));
        Assert.True(anonymous.Unauthorized, anonymous.Message);
        Assert.Contains("flotilla login " + registry.Host, anonymous.Message);
        var wrong = await Assert.ThrowsAsync<RegistryException>(() => source.PushAsync(name, new RegistryCredentials("alice", "wrong")));
        Assert.True(wrong.Unauthorized, wrong.Message);
        Assert.Contains("check the credentials", wrong.Message);

        var alice = new RegistryCredentials("alice", "s3cret-pw");
        await source.PushAsync(name, alice);
        var before = target.Files();
        await Assert.ThrowsAsync<RegistryException>(() => target.PullAsync(name));
        Assert.Equal(before, target.Files());
        var pulled = await target.PullAsync(name, alice);
        Assert.Equal(3, pulled.DiffIds.Count);
    }
}
