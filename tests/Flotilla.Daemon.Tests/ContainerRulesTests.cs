using Flotilla.Grains;
using Flotilla.Grains.Containers;
using Flotilla.Grains.Local;
using Flotilla.Grains.Nodes;
using Flotilla.Grains.Placement;
using Xunit;

namespace Flotilla.Daemon.Tests;

public sealed class ContainerRulesTests
{
    private static readonly ImageDefaults Image = new(["PATH=/bin", "A=image"], ["/entry"], ["default", "cmd"], "/srv", "app");

    [Fact]
    public void User_cmd_replaces_the_image_cmd_but_keeps_its_entrypoint()
    {
        var args = ContainerConfigMerger.Args(new ContainerCreateArgs { Image = "x", Cmd = ["mine"] }, Image);
        Assert.Equal(["/entry", "mine"], args);
    }

    [Fact]
    public void User_entrypoint_drops_the_image_cmd()
    {
        var args = ContainerConfigMerger.Args(new ContainerCreateArgs { Image = "x", Entrypoint = ["/bin/sh"] }, Image);
        Assert.Equal(["/bin/sh"], args);
    }

    [Fact]
    public void No_command_anywhere_is_a_clear_error()
    {
        var e = Assert.Throws<FlotillaException>(() =>
            ContainerConfigMerger.Args(new ContainerCreateArgs { Image = "x" }, new ImageDefaults([], null, null, null, null)));
        Assert.Equal(ErrorKind.InvalidInput, e.Kind);
        Assert.Contains("No command specified", e.Message);
    }

    [Fact]
    public void Env_merges_by_key_and_always_has_a_path()
    {
        Assert.Equal(["PATH=/bin", "A=user", "B=2"], ContainerConfigMerger.Env(["A=user", "B=2"], ["PATH=/bin", "A=image"]));
        Assert.StartsWith("PATH=", ContainerConfigMerger.Env([], [])[0]);
        Assert.Throws<FlotillaException>(() => ContainerConfigMerger.Env(["=oops"], []));
    }

    [Fact]
    public void Working_directory_must_be_absolute()
    {
        Assert.Equal("/srv", ContainerConfigMerger.WorkingDir(null, "/srv"));
        Assert.Equal("/", ContainerConfigMerger.WorkingDir(null, null));
        Assert.Throws<FlotillaException>(() => ContainerConfigMerger.WorkingDir("relative", null));
    }

    [Theory]
    [InlineData("data:/d", "data", "/d", false)]
    [InlineData("/host/dir:/c:ro", "/host/dir", "/c", true)]
    [InlineData("v:/x:rw", "v", "/x", false)]
    public void Volume_specs_parse_like_docker(string spec, string source, string destination, bool readOnly)
    {
        Assert.Equal((source, destination, readOnly), MountResolver.Parse(spec));
    }

    [Theory]
    [InlineData("nodest")]
    [InlineData("a:relative")]
    [InlineData("a:/b:bogus")]
    [InlineData(":/b")]
    public void Bad_volume_specs_are_refused(string spec) =>
        Assert.Equal(ErrorKind.InvalidInput, Assert.Throws<FlotillaException>(() => MountResolver.Parse(spec)).Kind);

    [Fact]
    public void Containers_resolve_by_id_name_and_unique_prefix()
    {
        var now = DateTimeOffset.UtcNow;
        ContainerEntry[] all = [new("abc123", "web", "sha256:1", [], now), new("abd456", "db", "sha256:1", [], now)];
        Assert.Equal("abc123", ContainerLookup.Resolve(all, "abc123").Id);
        Assert.Equal("abd456", ContainerLookup.Resolve(all, "/db").Id);
        Assert.Equal("abc123", ContainerLookup.Resolve(all, "abc").Id);
        Assert.Equal(ErrorKind.InvalidInput, Assert.Throws<FlotillaException>(() => ContainerLookup.Resolve(all, "ab")).Kind);
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<FlotillaException>(() => ContainerLookup.Resolve(all, "zzz")).Kind);
    }

    [Fact]
    public void Names_follow_docker_rules()
    {
        Assert.Equal("web-1.a_b", ContainerNames.Validate("/web-1.a_b"));
        Assert.Throws<FlotillaException>(() => ContainerNames.Validate("bad name"));
        Assert.Matches("^[a-z]+_[a-z]+$", ContainerNames.Random());
    }

    [Fact]
    public void Node_scoped_keys_name_their_node()
    {
        var key = NodeScopedKey.Format("node-a", "c0ffee");
        Assert.Equal("node-a", NodeScopedKey.NodeOf(key));
        Assert.Equal("c0ffee", NodeScopedKey.LocalIdOf(key));
        Assert.Equal("node-a", NodeScopedKey.NodeOf("node-a"));
    }

    [Theory]
    [InlineData("executable file not found in $PATH", 127)]
    [InlineData("open /x: no such file or directory", 127)]
    [InlineData("exec /bin/x: permission denied", 126)]
    [InlineData("something else", 128)]
    public void Start_failures_map_to_shell_exit_codes(string message, int code) =>
        Assert.Equal(code, PluginErrors.StartFailureExitCode(message));
}
