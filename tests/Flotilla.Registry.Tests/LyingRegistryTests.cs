using System.Text;
using Flotilla.Images;
using Flotilla.Images.Oci;
using Flotilla.Images.Tests;
using Microsoft.AspNetCore.Http;

namespace Flotilla.Registry.Tests;

/// <summary>
/// Registries that lie, hang or serve something else than an image for this node, served by a small test server:
/// each pull fails with an error that says what was wrong, and the store is left exactly as it was.
/// </summary>
public sealed class LyingRegistryTests
{
    private static TestImage Image(bool docker = false, string architecture = "amd64", Func<string, string>? layerMediaType = null) =>
        TestImage.Create([(TestImage.Layer("a"), true), (TestImage.Layer("b", size: 100_000), true)], docker, architecture, layerMediaType: layerMediaType);

    private static async Task<RegistryException> PullFailsAsync(FakeRegistry registry, string reference, RegistryOptions? options = null, string? platform = null)
    {
        await using var store = new StoreFixture(options);
        var before = store.Files();
        var e = await Assert.ThrowsAsync<RegistryException>(() => store.PullAsync($"{registry.Host}/{reference}", platform: platform));
        Assert.Equal(before, store.Files());
        Assert.Empty(store.Store.List());
        return e;
    }

    [Fact]
    public async Task Blob_with_other_content_than_its_digest_is_refused()
    {
        await using var registry = await FakeRegistry.StartAsync();
        var image = Image();
        registry.Add("app", "v1", image);
        var layer = image.LayerDigests[1];
        registry.Blobs[layer] = [.. registry.Blobs[layer].Select((b, i) => i == 100 ? (byte)(b ^ 1) : b)];
        var e = await PullFailsAsync(registry, "app:v1");
        Assert.Contains($"layer {layer} of app from registry {registry.Host} cannot be used", e.Message);
        Assert.Contains("does not match its digest", e.Message);
    }

    [Fact]
    public async Task Manifest_whose_digest_header_lies_is_refused()
    {
        await using var registry = await FakeRegistry.StartAsync();
        registry.Add("app", "v1", Image());
        registry.Intercept = async context =>
        {
            if (!context.Request.Path.Value!.Contains("/manifests/"))
            {
                return false;
            }

            context.Response.ContentType = MediaTypes.OciManifest;
            context.Response.Headers["Docker-Content-Digest"] = "sha256:" + new string('0', 64);
            await context.Response.Body.WriteAsync(registry.Manifests["app:v1"].Bytes);
            return true;
        };
        var e = await PullFailsAsync(registry, "app:v1");
        Assert.Contains("Docker-Content-Digest sha256:0000", e.Message);
        Assert.Contains("does not match", e.Message);
    }

    [Fact]
    public async Task Truncated_blob_is_refused()
    {
        await using var registry = await FakeRegistry.StartAsync();
        var image = Image();
        registry.Add("app", "v1", image);
        var layer = image.LayerDigests[1];
        registry.Intercept = async context =>
        {
            if (!context.Request.Path.Value!.EndsWith(layer, StringComparison.Ordinal))
            {
                return false;
            }

            var bytes = registry.Blobs[layer];
            context.Response.ContentLength = bytes.Length;
            await context.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await context.Response.Body.FlushAsync();
            context.Abort();
            return true;
        };
        var e = await PullFailsAsync(registry, "app:v1");
        Assert.Contains($"download of blob {layer} of app failed", e.Message);
    }

    [Fact]
    public async Task Unknown_media_types_are_refused()
    {
        await using var registry = await FakeRegistry.StartAsync();
        registry.Add("app", "v1", Image());
        registry.Manifests["odd:v1"] = ("application/vnd.example.thing+json", registry.Manifests["app:v1"].Bytes);
        registry.Add("bzip2", "v1", Image(layerMediaType: _ => "application/vnd.oci.image.layer.v1.tar+bzip2"));

        var odd = await PullFailsAsync(registry, "odd:v1");
        Assert.Contains("media type 'application/vnd.example.thing+json'", odd.Message);
        var layer = await PullFailsAsync(registry, "bzip2:v1");
        Assert.Contains("has media type 'application/vnd.oci.image.layer.v1.tar+bzip2'", layer.Message);
    }

    [Fact]
    public async Task Zstd_layers_are_unpacked()
    {
        await using var registry = await FakeRegistry.StartAsync();
        var tar = TestImage.Layer("z", size: 50_000);
        var image = TestImage.Create([(tar, false)], layerMediaType: _ => MediaTypes.OciLayerZstd, compress: TarBuilder.Zstd);
        registry.Add("zstd", "v1", image);
        await using var store = new StoreFixture();
        var pulled = await store.PullAsync($"{registry.Host}/zstd:v1");
        Assert.Equal([TarBuilder.Digest(tar)], pulled.DiffIds);
        Assert.NotEqual(TarBuilder.Digest(tar), image.LayerDigests[0]);
    }

    [Fact]
    public async Task Manifest_far_larger_than_any_real_one_is_refused()
    {
        await using var registry = await FakeRegistry.StartAsync();
        var huge = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OciManifest + "\",\"annotations\":{\"x\":\"" + new string('x', 5 << 20) + "\"}}");
        registry.Manifests["huge:v1"] = (MediaTypes.OciManifest, huge);
        var e = await PullFailsAsync(registry, "huge:v1");
        Assert.Contains("more than 4194304 bytes for manifest huge:v1", e.Message);
    }

    [Fact]
    public async Task Registry_that_hangs_times_out()
    {
        await using var registry = await FakeRegistry.StartAsync();
        var image = Image();
        registry.Add("app", "v1", image);
        registry.Add("slow", "v1", image);
        var options = new RegistryOptions { StallTimeout = TimeSpan.FromSeconds(2) };
        registry.Intercept = async context =>
        {
            var path = context.Request.Path.Value!;
            if (path.StartsWith("/v2/app/manifests/", StringComparison.Ordinal))
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted); // never answers
            }

            if (path.StartsWith("/v2/slow/blobs/", StringComparison.Ordinal) && path.EndsWith(image.LayerDigests[1], StringComparison.Ordinal))
            {
                context.Response.ContentLength = registry.Blobs[image.LayerDigests[1]].Length;
                await context.Response.Body.WriteAsync(registry.Blobs[image.LayerDigests[1]].AsMemory(0, 1000));
                await context.Response.Body.FlushAsync();
                await Task.Delay(Timeout.Infinite, context.RequestAborted); // stalls mid-body
            }

            return false;
        };

        var headers = await PullFailsAsync(registry, "app:v1", options);
        Assert.Contains("did not answer GET /v2/app/manifests/v1 within 2 s", headers.Message);
        var body = await PullFailsAsync(registry, "slow:v1", options);
        Assert.Contains("no data for 2 s after 1000 of", body.Message);
    }

    [Fact]
    public async Task Index_gives_the_wanted_platform_and_an_image_for_another_platform_only_is_refused()
    {
        await using var registry = await FakeRegistry.StartAsync();
        var amd64 = Image();
        var arm64 = Image(architecture: "arm64");
        registry.Add("multi", "amd64", amd64);
        registry.Add("multi", "arm64", arm64);
        registry.Add("armonly", "v1", arm64);
        byte[] Index(params (TestImage Image, string Arch)[] entries) => Encoding.UTF8.GetBytes(
            System.Text.Json.JsonSerializer.Serialize(new ImageIndex
            {
                MediaType = MediaTypes.DockerManifestList,
                Manifests = [.. entries.Select(e => new Descriptor
                {
                    MediaType = e.Image.ManifestMediaType, Digest = e.Image.ManifestDigest, Size = e.Image.Manifest.Length,
                    Platform = new Platform { Os = "linux", Architecture = e.Arch },
                })],
            }, OciJsonContext.Default.ImageIndex));
        registry.Manifests["multi:latest"] = (MediaTypes.DockerManifestList, Index((arm64, "arm64"), (amd64, "amd64")));
        registry.Manifests["arms:latest"] = (MediaTypes.DockerManifestList, Index((arm64, "arm64")));

        await using (var store = new StoreFixture())
        {
            var pulled = await store.PullAsync($"{registry.Host}/multi");
            Assert.Equal(amd64.ManifestDigest, pulled.ManifestDigest);
            // As docker shows it: the digest the registry served for the tag, the index's.
            Assert.Equal([$"{registry.Host}/multi@{TarBuilder.Digest(registry.Manifests["multi:latest"].Bytes)}"], pulled.RepoDigests);
            var arm = await store.PullAsync($"{registry.Host}/multi", platform: "linux/arm64");
            Assert.Equal(arm64.ManifestDigest, arm.ManifestDigest);
        }

        var none = await PullFailsAsync(registry, "arms");
        Assert.Contains("has no image for linux/amd64; it has: linux/arm64 (choose one with --platform)", none.Message);
        var other = await PullFailsAsync(registry, "armonly:v1");
        Assert.Contains("is an image for linux/arm64, not linux/amd64", other.Message);
    }

    [Fact]
    public async Task Layer_cut_off_mid_body_is_downloaded_again_whole_from_a_registry_that_ignores_range()
    {
        await using var registry = await FakeRegistry.StartAsync();
        var image = Image();
        registry.Add("cut", "v1", image);
        var layer = image.LayerDigests[1];
        registry.CutBlobs[layer] = 20_000;
        await using var store = new StoreFixture();
        var cut = await Assert.ThrowsAsync<RegistryException>(() => store.PullAsync($"{registry.Host}/cut:v1"));
        Assert.Contains($"blob {layer}", cut.Message);
        Assert.Empty(store.Store.List());
        Assert.Equal(20_000, new FileInfo(Path.Combine(store.PartialDirectory, layer[7..])).Length);

        registry.IgnoreRange = true;
        registry.BlobRanges.Clear();
        var pulled = await store.PullAsync($"{registry.Host}/cut:v1");
        Assert.Equal(image.ManifestDigest, pulled.ManifestDigest);
        Assert.Contains("bytes=20000-", registry.BlobRanges); // asked, answered 200, started over
        Assert.Equal(2, registry.BlobGets[layer]);
        Assert.Empty(Directory.GetFileSystemEntries(store.PartialDirectory));
    }

    [Theory]
    [InlineData("../escape", "")]
    [InlineData("/etc/absolute", "")]
    [InlineData("link", "/")]
    public async Task Hostile_layer_is_refused_by_the_store(string name, string linkTarget)
    {
        await using var registry = await FakeRegistry.StartAsync();
        var tar = linkTarget.Length > 0
            ? new TarBuilder().Symlink(name, linkTarget).File(name + "/etc/evil", "pwned").Build()
            : new TarBuilder().File(name, "pwned").Build();
        registry.Add("evil", "v1", TestImage.Create([(TestImage.Layer("ok"), true), (tar, true)]));
        var e = await PullFailsAsync(registry, "evil:v1");
        Assert.Contains("cannot be used: refusing archive entry", e.Message);
        Assert.Contains("unsafe to unpack", e.Message);
    }

    [Fact]
    public async Task Bearer_token_flow_anonymous_and_with_credentials()
    {
        await using var registry = await FakeRegistry.StartAsync();
        registry.Add("team/app", "v1", Image());
        registry.TokenCredentials = ("bob", "hunter2");

        var refused = await PullFailsAsync(registry, "team/app:v1");
        Assert.True(refused.Unauthorized, refused.Message);
        Assert.Contains("token service of registry", refused.Message);
        await using (var store = new StoreFixture())
        {
            var wrong = await Assert.ThrowsAsync<RegistryException>(() => store.PullAsync($"{registry.Host}/team/app:v1", new RegistryCredentials("bob", "nope")));
            Assert.Contains("refused the credentials", wrong.Message);
            var pulled = await store.PullAsync($"{registry.Host}/team/app:v1", new RegistryCredentials("bob", "hunter2"));
            Assert.Equal(2, pulled.DiffIds.Count);
        }

        Assert.Contains(registry.TokenRequests, q => q.Contains("service=fake-registry") && q.Contains("scope=repository%3Ateam%2Fapp%3Apull"));

        // A registry token (X-Registry-Auth "registrytoken") is sent as it is, without asking the token service.
        var asked = registry.TokenRequests.Count;
        await using (var store = new StoreFixture())
        {
            await store.PullAsync($"{registry.Host}/team/app:v1", new RegistryCredentials(null, null, RegistryToken: "token-for-flotilla-tests"));
        }

        Assert.Equal(asked, registry.TokenRequests.Count);

        registry.TokenCredentials = null;
        registry.AnonymousTokens = true;
        await using var anonymous = new StoreFixture();
        Assert.Equal(2, (await anonymous.PullAsync($"{registry.Host}/team/app:v1")).DiffIds.Count);
    }

    [Fact]
    public async Task Blobs_redirected_to_storage_are_fetched_there_without_the_registry_token()
    {
        await using var registry = await FakeRegistry.StartAsync();
        var image = Image();
        registry.Add("team/app", "v1", image);
        registry.AnonymousTokens = true;
        registry.RedirectBlobs = true;
        await using var store = new StoreFixture();
        var pulled = await store.PullAsync($"{registry.Host}/team/app:v1");
        Assert.Equal(image.ManifestDigest, pulled.ManifestDigest);
        Assert.Equal(3, registry.StorageAuthorizations.Count); // the config and two layers
        Assert.All(registry.StorageAuthorizations, Assert.Empty);
    }

    [Fact]
    public async Task Concurrent_pulls_sharing_layers_fetch_each_blob_once_and_cached_blobs_never_again()
    {
        await using var registry = await FakeRegistry.StartAsync();
        var shared1 = TestImage.Layer("shared1", files: 4, size: 200_000);
        var shared2 = TestImage.Layer("shared2", files: 4, size: 200_000);
        var one = TestImage.Create([(shared1, true), (shared2, true), (TestImage.Layer("only-one"), true)]);
        var two = TestImage.Create([(shared1, true), (shared2, true), (TestImage.Layer("only-two"), true)]);
        registry.Add("one", "v1", one);
        registry.Add("two", "v1", two);
        registry.BlobDelay = TimeSpan.FromMilliseconds(30);

        await using var store = new StoreFixture();
        await Task.WhenAll(store.PullAsync($"{registry.Host}/one:v1"), store.PullAsync($"{registry.Host}/two:v1"));
        Assert.Equal(1, registry.BlobGets[one.LayerDigests[0]]);
        Assert.Equal(1, registry.BlobGets[one.LayerDigests[1]]);
        Assert.Equal(2, store.Store.List().Count);

        var gets = registry.BlobGets.Values.Sum();
        await store.PullAsync($"{registry.Host}/one:v1");
        Assert.Equal(gets, registry.BlobGets.Values.Sum());
    }
}
