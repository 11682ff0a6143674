using System.Text.Json;

namespace Flotilla.Images.Tests;

/// <summary>The store is an OCI image layout other tools read: skopeo finds images by their full names.</summary>
public sealed class OciLayoutTests : IDisposable
{
    private readonly TestStore _test = new();

    public void Dispose() => _test.Dispose();

    [Fact]
    public async Task Skopeo_reads_an_image_from_the_store_by_name()
    {
        if (!File.Exists("/usr/bin/skopeo"))
        {
            return; // skopeo (Debian package) is optional on a development machine
        }

        var image = await _test.Store.ImportAsync(new MemoryStream(Archives.BusyboxRootfs().Build()), ImageReference.Parse("busybox"), new ImportOptions { Cmd = ["/bin/sh"] }, default);

        var output = ImportTests.Run("/usr/bin/skopeo", "inspect", "--config", $"oci:{_test.Root}:docker.io/library/busybox:latest");
        using var config = JsonDocument.Parse(output);
        Assert.Equal(image.DiffIds[0], config.RootElement.GetProperty("rootfs").GetProperty("diff_ids")[0].GetString());
        Assert.Equal("/bin/sh", config.RootElement.GetProperty("config").GetProperty("Cmd")[0].GetString());

        // And a layout skopeo writes loads back.
        var copy = Path.Combine(_test.Directory, "copy");
        ImportTests.Run("/usr/bin/skopeo", "copy", $"oci:{_test.Root}:docker.io/library/busybox:latest", $"oci:{copy}:docker.io/library/copied:1");
        var tarball = Path.Combine(_test.Directory, "copy.tar");
        ImportTests.Run("tar", "-C", copy, "-cf", tarball, ".");
        var other = new ImageStore(Path.Combine(_test.Directory, "other"), _test.Log);
        await using var stream = File.OpenRead(tarball);
        var loaded = Assert.Single(await other.LoadAsync(stream, default));
        Assert.Equal(image.Id, loaded.Id);
        Assert.Equal(["copied:1"], loaded.RepoTags.Select(t => t.Familiar));
        Assert.Equal(Archives.BusyboxBinary, File.ReadAllBytes(Path.Combine((await other.GetLayerDirectoriesAsync(loaded, default))[0], "bin/busybox")));
    }
}
