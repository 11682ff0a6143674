namespace Flotilla.Images.Tests;

/// <summary>Unpacking layers: overlay whiteouts, and hostile tarballs that try to write outside the layer.</summary>
public sealed class LayerTests : IDisposable
{
    private readonly TestStore _test = new();

    private ImageStore Store => _test.Store;

    public void Dispose() => _test.Dispose();

    [Fact]
    public async Task Oci_whiteouts_become_overlayfs_whiteouts()
    {
        var tar = new TarBuilder()
            .Dir("etc/").File("etc/.wh.removed", "")
            .Dir("var/").Dir("var/cache/").File("var/cache/.wh..wh..opq", "").File("var/cache/kept", "new")
            .File(".wh.toplevel", "")
            .Build();

        var image = await Store.ImportAsync(new MemoryStream(tar), null, new ImportOptions(), default);
        var layer = Store.LayerPath(image.DiffIds[0]);

        Assert.Equal("character special file 0,0", ImportTests.Stat("%F %Hr,%Lr", Path.Combine(layer, "etc/removed")));
        Assert.Equal("character special file 0,0", ImportTests.Stat("%F %Hr,%Lr", Path.Combine(layer, "toplevel")));
        Assert.False(File.Exists(Path.Combine(layer, "etc/.wh.removed")));
        Assert.False(File.Exists(Path.Combine(layer, "var/cache/.wh..wh..opq")));
        Assert.Equal("y", Xattr.Get(Path.Combine(layer, "var/cache"), "trusted.overlay.opaque"));
        Assert.Null(Xattr.Get(Path.Combine(layer, "etc"), "trusted.overlay.opaque"));
        Assert.Equal("new", File.ReadAllText(Path.Combine(layer, "var/cache/kept")));
    }

    [Fact]
    public async Task Xattrs_that_matter_are_applied_with_their_exact_bytes()
    {
        // security.capability v2 with cap_setuid and cap_setgid permitted and effective: its 0xC0 byte is not UTF-8.
        byte[] capability = [0x01, 0x00, 0x00, 0x02, 0xC0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        var tar = new RawTar()
            .Pax(("SCHILY.xattr.trusted.overlay.opaque", "y"u8.ToArray())).Entry("var/", '5', [])
            .Pax(("SCHILY.xattr.security.capability", capability), ("SCHILY.xattr.user.note", "kept"u8.ToArray()),
                ("SCHILY.xattr.trusted.overlay.redirect", "/etc"u8.ToArray()), ("SCHILY.xattr.security.selinux", "system_u:object_r:bin_t"u8.ToArray()))
            .Entry("var/tool", '0', "#!/bin/sh\n"u8.ToArray(), mode: "0000755")
            .Entry("var/plain", '0', "no xattrs"u8.ToArray())
            .Build();

        var image = await Store.ImportAsync(new MemoryStream(tar), null, new ImportOptions(), default);
        var layer = Store.LayerPath(image.DiffIds[0]);

        Assert.Equal("y", Xattr.Get(Path.Combine(layer, "var"), "trusted.overlay.opaque"));
        var tool = Path.Combine(layer, "var/tool");
        Assert.Equal(capability, Xattr.GetBytes(tool, "security.capability"));
        Assert.Equal("kept", Xattr.Get(tool, "user.note"));
        Assert.Null(Xattr.Get(tool, "trusted.overlay.redirect"));
        Assert.Null(Xattr.Get(tool, "security.selinux"));
        Assert.Equal("#!/bin/sh\n", File.ReadAllText(tool));
        Assert.Null(Xattr.Get(Path.Combine(layer, "var/plain"), "user.note"));
        Assert.Equal("no xattrs", File.ReadAllText(Path.Combine(layer, "var/plain")));
    }

    [Theory]
    [InlineData("dot-dot", "'..'")]
    [InlineData("dot-dot-inside", "'..'")]
    [InlineData("absolute", "absolute path")]
    [InlineData("symlink-then-write-through", "symbolic link 'out'")]
    [InlineData("relative-symlink-then-write-through", "symbolic link 'out'")]
    [InlineData("symlink-then-dir-through", "symbolic link 'out'")]
    [InlineData("symlink-then-link-through", "symbolic link 'out'")]
    [InlineData("symlink-then-whiteout-through", "symbolic link 'out'")]
    [InlineData("symlink-then-opaque-through", "symbolic link 'out'")]
    [InlineData("hardlink-to-outside", "'..'")]
    [InlineData("hardlink-absolute", "absolute path")]
    [InlineData("hardlink-through-symlink", "symbolic link 'out'")]
    [InlineData("symlink-dir-chain", "symbolic link 'a/b'")]
    [InlineData("symlink-chain-dot", "symbolic link 'up'")]
    [InlineData("whiteout-dot-dot", "a whiteout must name a file")]
    [InlineData("whiteout-empty", "a whiteout must name a file")]
    [InlineData("file-as-parent", "'f' is not a directory")]
    public async Task Hostile_layers_are_refused_and_nothing_is_written_anywhere(string name, string reason)
    {
        var archive = Hostile(name, _test.Sentinel).Build();
        var before = StoreState.Of(_test.Root);
        var sentinelBefore = Snapshot(_test.Sentinel);

        var error = await Assert.ThrowsAsync<ImageStoreException>(() => Store.ImportAsync(new MemoryStream(archive), ImageReference.Parse(name), new ImportOptions(), default));

        Assert.Equal(ImageStoreErrorKind.InvalidInput, error.Kind);
        Assert.Contains("refusing archive entry", error.Message);
        Assert.Contains(reason, error.Message);
        Assert.Equal(before, StoreState.Of(_test.Root));
        Assert.Equal(sentinelBefore, Snapshot(_test.Sentinel));
        Assert.False(File.Exists(Path.Combine(_test.Directory, "x")));
        Assert.False(File.Exists("/abs"));
        Assert.Empty(Store.List());
    }

    /// <summary>A layer that starts harmlessly, then tries to escape towards <paramref name="sentinel"/>.</summary>
    private static TarBuilder Hostile(string name, string sentinel)
    {
        var up = string.Concat(Enumerable.Repeat("../", 20));
        var tar = new TarBuilder().Dir("ok/").File("ok/file", "fine");
        return name switch
        {
            "dot-dot" => tar.File("../x", "evil"),
            "dot-dot-inside" => tar.Dir("a/").File("a/../../x", "evil"),
            "absolute" => tar.File("/abs", "evil"),
            "symlink-then-write-through" => tar.Symlink("out", sentinel).File("out/file", "evil"),
            "relative-symlink-then-write-through" => tar.Symlink("out", up + sentinel.TrimStart('/')).File("out/new", "evil"),
            "symlink-then-dir-through" => tar.Symlink("out", sentinel).Dir("out/sub/"),
            "symlink-then-link-through" => tar.Symlink("out", sentinel).Symlink("out/l", "/etc"),
            "symlink-then-whiteout-through" => tar.Symlink("out", sentinel).File("out/.wh.file", ""),
            "symlink-then-opaque-through" => tar.Symlink("out", sentinel).File("out/.wh..wh..opq", ""),
            "hardlink-to-outside" => tar.HardLink("h", up + sentinel.TrimStart('/') + "/file"),
            "hardlink-absolute" => tar.HardLink("h", sentinel + "/file"),
            "hardlink-through-symlink" => tar.Symlink("out", sentinel).HardLink("h", "out/file"),
            "symlink-dir-chain" => tar.Dir("a/").Symlink("a/b", "../c").Symlink("c", sentinel).File("a/b/file", "evil"),
            "symlink-chain-dot" => tar.Symlink("here", ".").Symlink("up", "here/../..").File("up/x", "evil"),
            "whiteout-dot-dot" => tar.File(".wh...", ""),
            "whiteout-empty" => tar.Dir("d/").File("d/.wh.", ""),
            "file-as-parent" => tar.File("f", "x").File("f/g", "y"),
            _ => throw new ArgumentException(name),
        };
    }

    [Fact]
    public async Task Hostile_docker_save_layer_leaves_no_blob_layer_or_image()
    {
        var good = new TarBuilder().File("good", "1").Build();
        var evil = new TarBuilder().Symlink("out", _test.Sentinel).File("out/file", "evil").Build();
        var tarball = Archives.DockerSave([good, evil], [TarBuilder.Digest(good), TarBuilder.Digest(evil)], ["evil:1"]);
        var before = StoreState.Of(_test.Root);

        var error = await Assert.ThrowsAsync<ImageStoreException>(() => Store.LoadAsync(new MemoryStream(tarball), default));

        Assert.Contains("refusing archive entry 'out/file'", error.Message);
        Assert.Equal(before, StoreState.Of(_test.Root));
        Assert.Equal("original", File.ReadAllText(Path.Combine(_test.Sentinel, "file")));
    }

    [Fact]
    public async Task Later_entries_replace_earlier_ones_without_following_links()
    {
        // A symlink to outside replaced by a file, and a directory replaced by a symlink: tar semantics, inside the layer.
        var sentinel = _test.Sentinel;
        var tar = new TarBuilder()
            .Symlink("s", sentinel + "/file").File("s", "replaced")
            .Dir("d/").File("d/inner", "x").Symlink("d", sentinel)
            .Symlink("h", sentinel + "/file").HardLink("h2", "h")
            .Build();

        var image = await Store.ImportAsync(new MemoryStream(tar), null, new ImportOptions(), default);
        var layer = Store.LayerPath(image.DiffIds[0]);

        Assert.Equal("replaced", File.ReadAllText(Path.Combine(layer, "s")));
        Assert.Null(new FileInfo(Path.Combine(layer, "s")).LinkTarget);
        Assert.Equal(_test.Sentinel, new FileInfo(Path.Combine(layer, "d")).LinkTarget);
        Assert.Equal(Path.Combine(_test.Sentinel, "file"), new FileInfo(Path.Combine(layer, "h2")).LinkTarget);
        Assert.Equal("original", File.ReadAllText(Path.Combine(_test.Sentinel, "file")));
        Assert.Equal(["file"], Directory.GetFileSystemEntries(_test.Sentinel).Select(Path.GetFileName));
    }

    private static string Snapshot(string dir) =>
        string.Join("|", Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order()
            .Select(p => p + "=" + (File.Exists(p) ? File.ReadAllText(p) : "dir") + "@" + File.GetLastWriteTimeUtc(p).Ticks));
}
