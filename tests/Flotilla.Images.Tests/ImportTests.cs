using System.Text.Json;

namespace Flotilla.Images.Tests;

public sealed class ImportTests : IDisposable
{
    private readonly TestStore _test = new();

    private ImageStore Store => _test.Store;

    public void Dispose() => _test.Dispose();

    [Fact]
    public async Task Imported_busybox_resolves_by_name_id_and_prefix()
    {
        var options = new ImportOptions { Cmd = ["/bin/sh"], Env = ["PATH=/bin"], WorkingDir = "/tmp", User = "1000", Labels = new Dictionary<string, string> { ["a"] = "b" }, Message = "hello" };
        var image = await Store.ImportAsync(new AsyncOnlyStream(Archives.BusyboxRootfs().Build()), ImageReference.Parse("busybox"), options, default);

        Assert.StartsWith("sha256:", image.Id);
        Assert.Equal(["busybox:latest"], image.RepoTags.Select(t => t.Familiar));
        Assert.Equal([$"busybox@{image.ManifestDigest}"], image.RepoDigests);
        foreach (var name in new[] { "busybox", "busybox:latest", "docker.io/library/busybox:latest", image.Id, image.Id[7..], image.Id[7..19], image.Id[7..11], "busybox@" + image.ManifestDigest })
        {
            Assert.Equal(image.Id, Store.Resolve(name).Id);
        }

        var config = Store.Resolve("busybox").Config;
        Assert.Equal(("amd64", "linux"), (config.Architecture, config.Os));
        Assert.Equal(["/bin/sh"], config.Config.Cmd!);
        Assert.Equal(["PATH=/bin"], config.Config.Env!);
        Assert.Equal(("/tmp", "1000", "b"), (config.Config.WorkingDir, config.Config.User, config.Config.Labels!["a"]));
        Assert.Equal("hello", config.History![0].Comment);
        Assert.Single(config.RootFs.DiffIds);
        Assert.True(image.Size > Archives.BusyboxBinary.Length);
    }

    [Fact]
    public async Task Unpacked_layer_has_content_owners_modes_times_links_and_devices()
    {
        var image = await Store.ImportAsync(new AsyncOnlyStream(Archives.BusyboxRootfs().BuildGzip()), null, new ImportOptions(), default);

        var layer = Assert.Single(await Store.GetLayerDirectoriesAsync(image, default));
        Assert.Equal(Store.LayerPath(image.DiffIds[0]), layer);
        Assert.Equal(Archives.BusyboxBinary, File.ReadAllBytes(Path.Combine(layer, "bin/busybox")));
        Assert.Equal("0:0 755", Stat("%u:%g %a", Path.Combine(layer, "bin/busybox")));
        Assert.Equal("busybox", new FileInfo(Path.Combine(layer, "bin/sh")).LinkTarget);
        Assert.Equal("/bin/busybox", new FileInfo(Path.Combine(layer, "bin/ls")).LinkTarget);
        Assert.Equal(Inode(Path.Combine(layer, "bin/busybox")), Inode(Path.Combine(layer, "bin/busybox-hardlink")));
        Assert.Equal("1000:1000 640", Stat("%u:%g %a", Path.Combine(layer, "home/user/secret")));
        Assert.Equal("1000:1000 750", Stat("%u:%g %a", Path.Combine(layer, "home/user")));
        Assert.Equal("1777", Stat("%a", Path.Combine(layer, "tmp")));
        Assert.Equal("character special file 1,3", Stat("%F %Hr,%Lr", Path.Combine(layer, "dev/null")));
        Assert.Equal("fifo", Stat("%F", Path.Combine(layer, "dev/fifo")));
        Assert.Equal(TarBuilder.Time.ToUnixTimeSeconds().ToString(), Stat("%Y", Path.Combine(layer, "etc/passwd")));
        Assert.Equal(TarBuilder.Time.ToUnixTimeSeconds().ToString(), Stat("%Y", Path.Combine(layer, "home/user")));
        Assert.Equal(TarBuilder.Time.ToUnixTimeSeconds().ToString(), Stat("%Y", Path.Combine(layer, "bin/sh")));

        // The store is an OCI image layout: the layer blob is the uncompressed tarball, the manifest names it.
        Assert.Equal(image.DiffIds[0], TarBuilder.Digest(File.ReadAllBytes(Store.BlobPath(image.DiffIds[0]))));
        Assert.Equal("{\"imageLayoutVersion\":\"1.0.0\"}", File.ReadAllText(Path.Combine(_test.Root, "oci-layout")));
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(_test.Root, "index.json")));
        Assert.Equal(image.ManifestDigest, index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString());
    }

    [Fact]
    public async Task Imported_busybox_runs_from_its_unpacked_layer()
    {
        var image = await Store.ImportAsync(new MemoryStream(Archives.BusyboxRootfs().Build()), null, new ImportOptions(), default);
        var layer = (await Store.GetLayerDirectoriesAsync(image, default))[0];

        Assert.Equal("hello\n", Run(Path.Combine(layer, "bin/sh"), "-c", "echo hello"));
    }

    [Fact]
    public async Task Tags_persist_across_reopen_and_move_to_the_newer_image()
    {
        var first = await Store.ImportAsync(new MemoryStream(new TarBuilder().File("a", "1").Build()), ImageReference.Parse("app:v1"), new ImportOptions(), default);
        await Store.TagAsync("app:v1", "registry.local:5000/team/app:prod", default);
        var second = await Store.ImportAsync(new MemoryStream(new TarBuilder().File("a", "2").Build()), ImageReference.Parse("app:v1"), new ImportOptions(), default);

        var reopened = _test.Reopen();
        Assert.Equal(second.Id, reopened.Resolve("app:v1").Id);
        Assert.Equal(first.Id, reopened.Resolve("registry.local:5000/team/app:prod").Id);
        Assert.Equal(["registry.local:5000/team/app:prod"], reopened.Resolve(first.Id).RepoTags.Select(t => t.Familiar));
        Assert.Equal(2, reopened.List().Count);
    }

    [Fact]
    public async Task Lookup_errors_say_what_is_wrong()
    {
        await Store.ImportAsync(new MemoryStream(new TarBuilder().File("a", "1").Build()), ImageReference.Parse("app"), new ImportOptions(), default);

        Assert.Equal(ImageStoreErrorKind.NotFound, Assert.Throws<ImageStoreException>(() => Store.Resolve("nothere")).Kind);
        Assert.Contains("No such image: nothere:latest", Assert.Throws<ImageStoreException>(() => Store.Resolve("nothere")).Message);
        Assert.Contains("must be lowercase", Assert.Throws<ImageStoreException>(() => Store.Resolve("NotHere")).Message);
        Assert.Equal(ImageStoreErrorKind.NotFound, Assert.Throws<ImageStoreException>(() => Store.Resolve(new string('f', 64))).Kind);
    }

    [Fact]
    public async Task Ambiguous_id_prefix_is_refused()
    {
        // Import tiny images until two ids share their first three hex digits (about 80 on average).
        var byPrefix = new Dictionary<string, string>();
        string? shared = null;
        for (var i = 0; shared is null && i < 1000; i++)
        {
            var id = (await Store.ImportAsync(new MemoryStream(new TarBuilder().File("f", i.ToString()).Build()), null, new ImportOptions(), default)).Id[7..];
            shared = byPrefix.TryAdd(id[..3], id) ? null : id[..3];
        }

        Assert.NotNull(shared);
        var error = Assert.Throws<ImageStoreException>(() => Store.Resolve(shared));
        Assert.Contains("ambiguous", error.Message);
        Assert.Equal(byPrefix[shared], Store.Resolve(byPrefix[shared][..12]).Id[7..]);
        Assert.Contains("No such image", Assert.Throws<ImageStoreException>(() => Store.Resolve(shared[..2])).Message); // below the minimum
    }

    [Fact]
    public async Task Import_refuses_a_digest_reference_and_garbage_input()
    {
        var before = StoreState.Of(_test.Root);

        var digestRef = ImageReference.Parse("app@sha256:" + new string('a', 64));
        Assert.Equal(ImageStoreErrorKind.InvalidInput, (await Assert.ThrowsAsync<ImageStoreException>(() =>
            Store.ImportAsync(new MemoryStream(new TarBuilder().File("a", "1").Build()), digestRef, new ImportOptions(), default))).Kind);
        var error = await Assert.ThrowsAsync<ImageStoreException>(() =>
            Store.ImportAsync(new MemoryStream("this is not a tarball at all, not even close, it is just some text that goes on"u8.ToArray()), null, new ImportOptions(), default));
        Assert.Contains("not a tar archive", error.Message);
        await Assert.ThrowsAsync<ImageStoreException>(() =>
            Store.ImportAsync(new MemoryStream([0x1f, 0x8b, 1, 2, 3]), null, new ImportOptions(), default));

        Assert.Equal(before, StoreState.Of(_test.Root));
    }

    internal static string Stat(string format, string path) => Run("stat", "-c", format, path).Trim();

    private static string Inode(string path) => Stat("%i", path);

    internal static string Run(string file, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)}: {process.StandardError.ReadToEnd()}");
        return output;
    }
}
