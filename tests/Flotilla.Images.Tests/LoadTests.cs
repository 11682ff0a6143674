namespace Flotilla.Images.Tests;

public sealed class LoadTests : IDisposable
{
    private readonly TestStore _test = new();

    private ImageStore Store => _test.Store;

    public void Dispose() => _test.Dispose();

    [Fact]
    public async Task Loads_a_docker_save_tarball_with_gzipped_and_repeated_layers()
    {
        var baseLayer = Archives.BusyboxRootfs().Build();
        var appLayer = new TarBuilder().Dir("app/").File("app/run.sh", "#!/bin/sh\necho app\n", mode: 0x1ed).Build();
        var emptyDir = new TarBuilder().Dir("data/").Build();
        var layers = new[] { baseLayer, TarBuilder.Gzip(appLayer), emptyDir, emptyDir };
        var diffIds = new[] { baseLayer, appLayer, emptyDir, emptyDir }.Select(TarBuilder.Digest).ToArray();
        var tarball = Archives.DockerSave(layers, diffIds, ["example.com/team/app:1.0", "app:latest"], ["/app/run.sh"]);

        var loaded = Assert.Single(await Store.LoadAsync(new AsyncOnlyStream(tarball), default));

        Assert.Equal(TarBuilder.Digest(Archives.Config(diffIds, ["/app/run.sh"])), loaded.Id); // docker's image id survives
        Assert.Equal(["example.com/team/app:1.0", "app:latest"], loaded.RepoTags.Select(t => t.Familiar));
        var image = Store.Resolve("app");
        Assert.Equal(loaded.Id, image.Id);
        Assert.Equal(["/app/run.sh"], image.Config.Config.Cmd!);
        Assert.Equal(["PATH=/bin", "GREETING=hello"], image.Config.Config.Env!);
        Assert.Equal(("/home/user", "1000:1000"), (image.Config.Config.WorkingDir, image.Config.Config.User));
        Assert.Equal(["80/tcp"], image.Config.Config.ExposedPorts!.Keys);
        Assert.Equal("test", image.Config.Config.Labels!["org.example.kind"]);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), image.Created.AddTicks(-image.Created.Ticks % TimeSpan.TicksPerSecond));
        Assert.Equal(diffIds, image.DiffIds);

        var dirs = await Store.GetLayerDirectoriesAsync(image, default);
        Assert.Equal(4, dirs.Count);
        Assert.Equal(dirs[2], dirs[3]);
        Assert.Equal(Archives.BusyboxBinary, File.ReadAllBytes(Path.Combine(dirs[0], "bin/busybox")));
        Assert.Equal("#!/bin/sh\necho app\n", File.ReadAllText(Path.Combine(dirs[1], "app/run.sh")));
        Assert.Equal(3, Directory.GetDirectories(Path.Combine(_test.Root, "layers")).Length);
    }

    [Fact]
    public async Task Loads_an_oci_layout_tarball_picking_linux_amd64()
    {
        var layer = Archives.BusyboxRootfs().Build();
        var extra = new TarBuilder().File("etc/motd", "hi").Build();
        var (tarball, manifestDigest, configDigest) = Archives.OciLayout([TarBuilder.Gzip(layer), extra], [TarBuilder.Digest(layer), TarBuilder.Digest(extra)], "docker.io/library/busybox:oci");

        var loaded = Assert.Single(await Store.LoadAsync(new AsyncOnlyStream(TarBuilder.Gzip(tarball)), default));

        Assert.Equal(configDigest, loaded.Id);
        Assert.Equal(manifestDigest, loaded.ManifestDigest); // the manifest is kept byte for byte
        Assert.Equal(["busybox:oci"], loaded.RepoTags.Select(t => t.Familiar));
        Assert.Equal(loaded.Id, Store.Resolve("busybox@" + manifestDigest).Id);
        Assert.Equal("amd64", loaded.Config.Architecture);
        var dirs = await Store.GetLayerDirectoriesAsync(loaded, default);
        Assert.Equal("hi", File.ReadAllText(Path.Combine(dirs[1], "etc/motd")));
        Assert.Equal("busybox", new FileInfo(Path.Combine(dirs[0], "bin/sh")).LinkTarget);
    }

    [Fact]
    public async Task Loading_twice_and_loading_images_that_share_layers_stores_each_layer_once()
    {
        var shared = Archives.BusyboxRootfs().Build();
        var top = new TarBuilder().File("x", "y").Build();
        var a = Archives.DockerSave([shared], [TarBuilder.Digest(shared)], ["a:1"]);
        var b = Archives.DockerSave([shared, top], [TarBuilder.Digest(shared), TarBuilder.Digest(top)], ["b:1"]);

        await Store.LoadAsync(new MemoryStream(a), default);
        await Store.LoadAsync(new MemoryStream(a), default);
        await Store.LoadAsync(new MemoryStream(b), default);

        Assert.Equal(2, Store.List().Count);
        Assert.Equal(2, Directory.GetDirectories(Path.Combine(_test.Root, "layers")).Length);
        Assert.Single(_test.Log.Messages, m => m.Contains("Unpacked layer " + TarBuilder.Digest(shared)));
    }

    [Fact]
    public async Task Bad_archives_are_refused_and_change_nothing()
    {
        var layer = new TarBuilder().File("a", "1").Build();
        var before = StoreState.Of(_test.Root);

        async Task<string> Refused(byte[] tarball) =>
            (await Assert.ThrowsAsync<ImageStoreException>(() => Store.LoadAsync(new MemoryStream(tarball), default))).Message;

        Assert.Contains("neither a `docker save` tarball", await Refused(new TarBuilder().File("hello", "x").Build()));
        Assert.Contains("does not match its diff id", await Refused(Archives.DockerSave([layer], ["sha256:" + new string('0', 64)], ["x:1"])));
        Assert.Contains("names an image \"Bad:1\"", await Refused(Archives.DockerSave([layer], [TarBuilder.Digest(layer)], ["Bad:1"])));
        Assert.Contains("lacks", await Refused(new TarBuilder().File("manifest.json", "[{\"Config\":\"c.json\",\"Layers\":[]}]").Build()));
        Assert.Contains("not valid JSON", await Refused(new TarBuilder().File("manifest.json", "{").Build()));
        Assert.Contains("not a tar archive", await Refused("definitely not a tarball, just words words words words words"u8.ToArray()));
        var (oci, _, _) = Archives.OciLayout([layer], [TarBuilder.Digest(layer)], "x:1");
        var tampered = oci.ToArray();
        var at = IndexOf(tampered, "{\"architecture\":\"amd64\""u8.ToArray());
        tampered[at + 2] = (byte)'A'; // the config no longer matches its digest
        Assert.Contains("does not match its digest", await Refused(tampered));

        Assert.Equal(before, StoreState.Of(_test.Root));
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return i;
            }
        }

        throw new InvalidOperationException("not found");
    }
}
