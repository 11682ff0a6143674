namespace Flotilla.Images.Tests;

/// <summary>Corrupted blobs, crashes and concurrent writers.</summary>
public sealed class IntegrityTests : IDisposable
{
    private readonly TestStore _test = new();

    private ImageStore Store => _test.Store;

    public void Dispose() => _test.Dispose();

    [Fact]
    public async Task A_corrupted_layer_blob_is_detected_removed_and_repaired_by_importing_again()
    {
        var tar = Archives.BusyboxRootfs().Build();
        var image = await Store.ImportAsync(new MemoryStream(tar), ImageReference.Parse("bb"), new ImportOptions(), default);
        Corrupt(Store.BlobPath(image.DiffIds[0]));
        Directory.Delete(Store.LayerPath(image.DiffIds[0]), recursive: true); // forces unpacking from the blob

        var error = await Assert.ThrowsAsync<ImageStoreException>(() => Store.GetLayerDirectoriesAsync(image, default));

        Assert.Equal(ImageStoreErrorKind.Failed, error.Kind);
        Assert.Contains($"blob {image.DiffIds[0]} in the image store is corrupted", error.Message);
        Assert.False(File.Exists(Store.BlobPath(image.DiffIds[0])));
        Assert.False(Directory.Exists(Store.LayerPath(image.DiffIds[0])));
        Assert.Contains(_test.Log.Messages, m => m.StartsWith("Error:") && m.Contains("corrupted"));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_test.Root, "tmp")));

        await Store.ImportAsync(new MemoryStream(tar), ImageReference.Parse("bb"), new ImportOptions(), default);
        var dirs = await Store.GetLayerDirectoriesAsync(Store.Resolve(image.Id), default);
        Assert.Equal(Archives.BusyboxBinary, File.ReadAllBytes(Path.Combine(dirs[0], "bin/busybox")));
    }

    [Fact]
    public async Task A_corrupted_gzipped_layer_blob_is_detected()
    {
        var layer = new TarBuilder().File("a", new string('x', 100_000)).Build();
        var gz = TarBuilder.Gzip(layer);
        var loaded = (await Store.LoadAsync(new MemoryStream(Archives.DockerSave([gz], [TarBuilder.Digest(layer)], ["gz:1"])), default))[0];
        Directory.Delete(Store.LayerPath(loaded.DiffIds[0]), recursive: true);
        var blob = TarBuilder.Digest(gz);
        Corrupt(Store.BlobPath(blob));

        var error = await Assert.ThrowsAsync<ImageStoreException>(() => Store.GetLayerDirectoriesAsync(loaded, default));

        Assert.Contains($"blob {blob} in the image store is corrupted", error.Message);
    }

    [Fact]
    public async Task A_corrupted_config_blob_is_never_used()
    {
        var image = await Store.ImportAsync(new MemoryStream(new TarBuilder().File("a", "1").Build()), ImageReference.Parse("app"), new ImportOptions(), default);
        Corrupt(Store.BlobPath(image.Id));

        Assert.Contains("corrupted", Assert.Throws<ImageStoreException>(() => Store.ReadBlob(image.Id)).Message);
        var reopened = _test.Reopen();

        Assert.Empty(reopened.List());
        Assert.Equal(ImageStoreErrorKind.NotFound, Assert.Throws<ImageStoreException>(() => reopened.Resolve("app")).Kind);
        Assert.Contains(_test.Log.Messages, m => m.Contains("cannot be read and is left out"));
        // Nothing is collected while an image is unreadable: its layers may still be wanted.
        Assert.True(Directory.Exists(reopened.LayerPath(image.DiffIds[0])));
    }

    [Fact]
    public async Task Reopening_removes_what_a_crash_left_behind()
    {
        var image = await Store.ImportAsync(new MemoryStream(new TarBuilder().File("a", "1").Build()), ImageReference.Parse("app"), new ImportOptions(), default);
        var strayTemp = Path.Combine(_test.Root, "tmp", "half-written");
        File.WriteAllText(strayTemp, "partial");
        var orphanBlob = TarBuilder.Digest("orphan"u8.ToArray());
        File.WriteAllText(Store.BlobPath(orphanBlob), "orphan");
        var orphanLayer = Store.LayerPath("sha256:" + new string('e', 64));
        Directory.CreateDirectory(orphanLayer);

        var reopened = _test.Reopen();

        Assert.False(File.Exists(strayTemp));
        Assert.False(File.Exists(reopened.BlobPath(orphanBlob)));
        Assert.False(Directory.Exists(orphanLayer));
        Assert.Equal(image.Id, reopened.Resolve("app").Id);
        Assert.True(Directory.Exists(reopened.LayerPath(image.DiffIds[0])));
    }

    [Fact]
    public async Task Concurrent_imports_sharing_a_layer_unpack_it_once()
    {
        var tar = Archives.BusyboxRootfs().Build();
        var imports = Enumerable.Range(0, 6).Select(i => Task.Run(() =>
            Store.ImportAsync(new MemoryStream(tar), ImageReference.Parse($"app:{i}"), new ImportOptions { Cmd = [$"{i}"] }, default)));

        var images = await Task.WhenAll(imports);

        Assert.Equal(6, images.Select(i => i.Id).Distinct().Count());
        Assert.Single(images.Select(i => i.DiffIds[0]).Distinct());
        Assert.Single(_test.Log.Messages, m => m.Contains("Unpacked layer"));
        Assert.Single(Directory.GetDirectories(Path.Combine(_test.Root, "layers")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_test.Root, "tmp")));
        Assert.Equal(6, _test.Reopen().List().Count);
    }

    [Fact]
    public async Task Removing_an_image_while_another_import_shares_its_layer_keeps_the_layer()
    {
        var tar = Archives.BusyboxRootfs().Build();
        for (var round = 0; round < 5; round++)
        {
            var old = await Store.ImportAsync(new MemoryStream(tar), ImageReference.Parse("old"), new ImportOptions { Cmd = [$"old{round}"] }, default);

            var import = Task.Run(() => Store.ImportAsync(new MemoryStream(tar), ImageReference.Parse($"new:{round}"), new ImportOptions { Cmd = [$"{round}"] }, default));
            var remove = Task.Run(() => Store.RemoveAsync(old.Id, true, (string _) => (ImageUse?)null, default));
            await Task.WhenAll(import, remove);

            var layer = (await Store.GetLayerDirectoriesAsync(Store.Resolve($"new:{round}"), default))[0];
            Assert.Equal(Archives.BusyboxBinary, File.ReadAllBytes(Path.Combine(layer, "bin/busybox")));
            Assert.True(File.Exists(Store.BlobPath((await import).DiffIds[0])));
            Assert.True(File.Exists(Store.BlobPath((await import).Id)));
        }
    }

    private static void Corrupt(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0xff;
        File.WriteAllBytes(path, bytes);
    }
}
