namespace Flotilla.Images.Tests;

public class ImageReferenceTests
{
    private const string Hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("busybox", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36")]
    [InlineData("library/busybox", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("index.docker.io/library/busybox:x", "docker.io/library/busybox:x", "busybox:x")]
    [InlineData("user/app", "docker.io/user/app:latest", "user/app:latest")]
    [InlineData("user/app:v_1.0-rc", "docker.io/user/app:v_1.0-rc", "user/app:v_1.0-rc")]
    [InlineData("library/a/b", "docker.io/library/a/b:latest", "library/a/b:latest")]
    [InlineData("localhost/app", "localhost/app:latest", "localhost/app:latest")]
    [InlineData("localhost:5000/a/b:tag", "localhost:5000/a/b:tag", "localhost:5000/a/b:tag")]
    [InlineData("registry.example.com/team/app:1", "registry.example.com/team/app:1", "registry.example.com/team/app:1")]
    [InlineData("127.0.0.1:5000/app", "127.0.0.1:5000/app:latest", "127.0.0.1:5000/app:latest")]
    [InlineData("[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000/app:latest")]
    [InlineData("Registry.Example.com/app", "Registry.Example.com/app:latest", "Registry.Example.com/app:latest")]
    [InlineData("localhost:5000", "docker.io/library/localhost:5000", "localhost:5000")]
    [InlineData("a__b/c--d/e.f_g", "docker.io/a__b/c--d/e.f_g:latest", "a__b/c--d/e.f_g:latest")]
    [InlineData("busybox@sha256:" + Hex, "docker.io/library/busybox@sha256:" + Hex, "busybox@sha256:" + Hex)]
    [InlineData("busybox:1@sha256:" + Hex, "docker.io/library/busybox:1@sha256:" + Hex, "busybox:1@sha256:" + Hex)]
    [InlineData("Foo/bar", "Foo/bar:latest", "Foo/bar:latest")]
    public void Normalises_like_docker(string text, string full, string familiar)
    {
        var reference = ImageReference.Parse(text);

        Assert.Equal(full, reference.ToString());
        Assert.Equal(familiar, reference.Familiar);
        Assert.Equal(reference, ImageReference.Parse(full));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("Busybox", "repository name (library/Busybox) must be lowercase")]
    [InlineData("user/App:1", "repository name (user/App) must be lowercase")]
    [InlineData("localhost:5000/Upper", "repository name (Upper) must be lowercase")]
    [InlineData("busybox:", "invalid reference format")]
    [InlineData("busybox:-tag", "the tag '-tag'")]
    [InlineData("busybox:.tag", "the tag '.tag'")]
    [InlineData("busybox:a+b", "the tag 'a+b'")]
    [InlineData("busybox@sha256:abc", "the digest 'sha256:abc'")]
    [InlineData("busybox@md5:0123456789abcdef0123456789abcdef", "only sha256")]
    [InlineData("a..b", "the name component 'a..b'")]
    [InlineData("-a", "the name component '-a'")]
    [InlineData("a/", "invalid reference format")]
    [InlineData("a//b", "invalid reference format")]
    [InlineData("exa_mple.com:5000/app", "invalid reference format")]
    [InlineData("a b", "invalid reference format")]
    [InlineData(Hex, "cannot specify 64-byte hexadecimal strings")]
    public void Rejects_malformed_references(string text, string message)
    {
        var error = Assert.Throws<ImageStoreException>(() => ImageReference.Parse(text));

        Assert.Equal(ImageStoreErrorKind.InvalidInput, error.Kind);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Tag_may_be_128_characters_not_129()
    {
        Assert.Equal(new string('t', 128), ImageReference.Parse("a:" + new string('t', 128)).Tag);
        Assert.Throws<ImageStoreException>(() => ImageReference.Parse("a:" + new string('t', 129)));
    }

    [Fact]
    public void Repository_path_may_be_255_characters_not_256()
    {
        var path255 = "x/" + new string('a', 253);
        Assert.Equal(path255, ImageReference.Parse("example.com/" + path255).Path);

        var error = Assert.Throws<ImageStoreException>(() => ImageReference.Parse("example.com/" + path255 + "a"));
        Assert.Contains("must not be more than 255 characters", error.Message);
    }

    [Fact]
    public void Familiar_repository_keeps_other_registries_and_nested_library_paths()
    {
        Assert.Equal("busybox", ImageReference.Parse("busybox").FamiliarRepository);
        Assert.Equal("user/app", ImageReference.Parse("user/app").FamiliarRepository);
        Assert.Equal("localhost:5000/app", ImageReference.Parse("localhost:5000/app").FamiliarRepository);
    }
}
