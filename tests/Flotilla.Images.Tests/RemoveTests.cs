namespace Flotilla.Images.Tests;

public sealed class RemoveTests : IDisposable
{
    private readonly TestStore _test = new();

    private ImageStore Store => _test.Store;

    public void Dispose() => _test.Dispose();

    private static readonly Func<string, ImageUse?> Unused = _ => null;

    private async Task<ImageRecord> Import(string? tag, string content = "content")
    {
        var tar = new TarBuilder().File("file", content).Build();
        return await Store.ImportAsync(new MemoryStream(tar), tag is null ? null : ImageReference.Parse(tag), new ImportOptions(), default);
    }

    [Fact]
    public async Task Removing_one_of_several_names_only_untags()
    {
        var image = await Import("app:1");
        await Store.TagAsync("app:1", "app:2", default);

        var result = await Store.RemoveAsync("app:1", false, Unused, default);

        Assert.Equal([("app:1", (string?)null)], result);
        Assert.Equal(["app:2"], Store.Resolve(image.Id).RepoTags.Select(t => t.Familiar));
    }

    [Fact]
    public async Task Removing_the_last_name_deletes_the_image_its_blobs_and_its_layers()
    {
        var image = await Import("app:1");

        var result = await Store.RemoveAsync("app:1", false, Unused, default);

        Assert.Equal([("app:1", (string?)null), (null, image.Id)], result);
        Assert.Empty(Store.List());
        Assert.Empty(Directory.GetFiles(Path.Combine(_test.Root, "blobs/sha256")));
        Assert.Empty(Directory.GetDirectories(Path.Combine(_test.Root, "layers")));
        Assert.Equal(ImageStoreErrorKind.NotFound, Assert.Throws<ImageStoreException>(() => Store.Resolve(image.Id)).Kind);
    }

    [Fact]
    public async Task Layers_another_image_uses_stay()
    {
        var shared = new TarBuilder().File("shared", "x").Build();
        var a = await Store.ImportAsync(new MemoryStream(shared), ImageReference.Parse("a"), new ImportOptions { Cmd = ["a"] }, default);
        var b = await Store.ImportAsync(new MemoryStream(shared), ImageReference.Parse("b"), new ImportOptions { Cmd = ["b"] }, default);
        Assert.Equal(a.DiffIds, b.DiffIds);

        await Store.RemoveAsync(a.Id, false, Unused, default);

        Assert.True(Directory.Exists(Store.LayerPath(b.DiffIds[0])));
        Assert.True(File.Exists(Store.BlobPath(b.DiffIds[0])));
        Assert.Equal("x", File.ReadAllText(Path.Combine((await Store.GetLayerDirectoriesAsync(Store.Resolve("b"), default))[0], "shared")));
    }

    [Fact]
    public async Task Removing_by_id_an_image_with_several_names_needs_force()
    {
        var image = await Import("app:1");
        await Store.TagAsync("app:1", "other/app:2", default);

        var error = await Assert.ThrowsAsync<ImageStoreException>(() => Store.RemoveAsync(image.Id[7..19], false, Unused, default));
        Assert.Equal(ImageStoreErrorKind.Conflict, error.Kind);
        Assert.Equal($"conflict: unable to delete {image.Id[7..19]} (must be forced) - image is referenced in multiple repositories", error.Message);

        var result = await Store.RemoveAsync(image.Id[7..19], true, Unused, default);
        Assert.Equal([("app:1", (string?)null), ("other/app:2", null), (null, image.Id)], result);
        Assert.Empty(Store.List());
    }

    [Fact]
    public async Task Removing_by_id_an_image_with_one_name_untags_and_deletes()
    {
        var image = await Import("app:1");

        var result = await Store.RemoveAsync(image.Id, false, Unused, default);

        Assert.Equal([("app:1", (string?)null), (null, image.Id)], result);
    }

    [Fact]
    public async Task An_image_a_running_container_uses_cannot_be_removed()
    {
        var image = await Import("app:1");
        var container = new string('c', 64);
        Func<string, ImageUse?> running = id => id == image.Id ? new ImageUse(container, Running: true) : null;

        var byName = await Assert.ThrowsAsync<ImageStoreException>(() => Store.RemoveAsync("app:1", false, running, default));
        Assert.Equal($"conflict: unable to remove repository reference \"app:1\" (must force) - container cccccccccccc is using its referenced image {image.Id[7..19]}", byName.Message);
        var byId = await Assert.ThrowsAsync<ImageStoreException>(() => Store.RemoveAsync(image.Id, true, running, default));
        Assert.Equal(ImageStoreErrorKind.Conflict, byId.Kind);
        Assert.Equal($"conflict: unable to delete {image.Id[7..19]} (cannot be forced) - image is being used by running container cccccccccccc", byId.Message);

        Assert.Equal(image.Id, Store.Resolve("app:1").Id);
        Assert.True(Directory.Exists(Store.LayerPath(image.DiffIds[0])));
    }

    [Fact]
    public async Task Forcing_removal_of_an_image_a_stopped_container_uses_untags_it_but_keeps_its_layers()
    {
        var image = await Import("app:1");
        Func<string, ImageUse?> stopped = id => id == image.Id ? new ImageUse("dddddddddddd", Running: false) : null;

        var refused = await Assert.ThrowsAsync<ImageStoreException>(() => Store.RemoveAsync(image.Id, false, stopped, default));
        Assert.Contains("(must be forced) - image is being used by stopped container dddddddddddd", refused.Message);

        var result = await Store.RemoveAsync(image.Id, true, stopped, default);
        Assert.Equal([("app:1", (string?)null)], result);
        Assert.Empty(Store.Resolve(image.Id).RepoTags);
        Assert.True(Directory.Exists(Store.LayerPath(image.DiffIds[0])));

        // Once the container is gone, the unnamed image can go.
        Assert.Equal([(null, image.Id)], await Store.RemoveAsync(image.Id[7..], false, Unused, default));
    }

    [Fact]
    public async Task Forcing_removal_of_the_last_name_of_an_image_in_use_keeps_the_unnamed_image()
    {
        var image = await Import("app:1");
        Func<string, ImageUse?> stopped = id => id == image.Id ? new ImageUse("dddddddddddd", Running: false) : null;

        var result = await Store.RemoveAsync("app:1", true, stopped, default);

        Assert.Equal([("app:1", (string?)null)], result);
        Assert.Empty(Store.Resolve(image.Id).RepoTags);
        Assert.True(Directory.Exists(Store.LayerPath(image.DiffIds[0])));
    }

    [Fact]
    public async Task Removing_what_is_not_there_says_so()
    {
        var error = await Assert.ThrowsAsync<ImageStoreException>(() => Store.RemoveAsync("ghost:1", false, Unused, default));
        Assert.Equal(ImageStoreErrorKind.NotFound, error.Kind);
        Assert.Equal("No such image: ghost:1", error.Message);
    }
}
