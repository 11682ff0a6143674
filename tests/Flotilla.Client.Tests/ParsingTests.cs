using Flotilla.Cli.Parsing;

namespace Flotilla.Client.Tests;

public sealed class MemorySizeTests
{
    [Theory]
    [InlineData("16m", 16L << 20)]
    [InlineData("16M", 16L << 20)]
    [InlineData("16mb", 16L << 20)]
    [InlineData("16MiB", 16L << 20)]
    [InlineData("16 m", 16L << 20)]
    [InlineData("512k", 512L << 10)]
    [InlineData("1g", 1L << 30)]
    [InlineData("1.5g", 3L << 29)]
    [InlineData("2t", 2L << 40)]
    [InlineData("100", 100)]
    [InlineData("100b", 100)]
    [InlineData("0", 0)]
    public void Sizes_parse_like_docker(string text, long bytes) => Assert.Equal(bytes, MemorySize.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("abc")]
    [InlineData("-1m")]
    [InlineData("12q")]
    [InlineData("1.2.3m")]
    [InlineData(".5g")]
    [InlineData("99999999999p")]
    public void Bad_sizes_say_what_is_wrong(string text)
    {
        var e = Assert.Throws<FormatException>(() => MemorySize.Parse(text));
        Assert.Contains($"'{text}'", e.Message);
        Assert.Contains("--memory", e.Message);
    }

    [Theory]
    [InlineData("0.5", 500_000_000)]
    [InlineData("2", 2_000_000_000)]
    [InlineData("1.25", 1_250_000_000)]
    public void Cpus_become_nano_cpus(string text, long nanoCpus) => Assert.Equal(nanoCpus, MemorySize.ParseCpus(text));

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("half")]
    public void Bad_cpus_are_refused(string text) => Assert.Contains("--cpus", Assert.Throws<FormatException>(() => MemorySize.ParseCpus(text)).Message);
}

public sealed class VolumeSpecTests
{
    [Theory]
    [InlineData("data:/srv", "data", "/srv", false, false)]
    [InlineData("my_vol-1.x:/srv:ro", "my_vol-1.x", "/srv", true, false)]
    [InlineData("/host/dir:/srv", "/host/dir", "/srv", false, true)]
    [InlineData("/host/dir:/srv:rw", "/host/dir", "/srv", false, true)]
    [InlineData("/host/dir:/srv:ro", "/host/dir", "/srv", true, true)]
    [InlineData("./rel:/srv", "/work/here/rel", "/srv", false, true)]
    [InlineData("../up:/srv", "/work/up", "/srv", false, true)]
    [InlineData(".:/srv", "/work/here", "/srv", false, true)]
    public void A_name_is_a_volume_and_a_path_a_bind_mount(string text, string source, string destination, bool readOnly, bool isBind)
    {
        var spec = VolumeSpec.Parse(text, "/work/here");
        Assert.Equal(new VolumeSpec(source, destination, readOnly, isBind), spec);
    }

    [Theory]
    [InlineData("data:/srv", "data:/srv")]
    [InlineData("/h:/srv:ro", "/h:/srv:ro")]
    [InlineData("/h:/srv:rw", "/h:/srv")]
    [InlineData("./d:/srv", "/work/here/d:/srv")]
    public void Binds_are_written_in_docker_form(string text, string bind) => Assert.Equal(bind, VolumeSpec.Parse(text, "/work/here").ToBind());

    [Theory]
    [InlineData("/data", "anonymous volumes are not supported")]
    [InlineData("data:/srv:rx", "unknown mode 'rx'")]
    [InlineData("data:srv", "must be an absolute path")]
    [InlineData("data:/", "cannot be '/'")]
    [InlineData("a:/srv", "not a valid volume name")]
    [InlineData("bad name:/srv", "not a valid volume name")]
    [InlineData("sub/dir:/srv", "start a relative host path with ./")]
    [InlineData("a:b:c:d", "expected SOURCE:DESTINATION")]
    [InlineData(":/srv", "expected SOURCE:DESTINATION")]
    public void Bad_specifications_say_which_and_why(string text, string why)
    {
        var e = Assert.Throws<FormatException>(() => VolumeSpec.Parse(text, "/work/here"));
        Assert.Contains($"'{text}'", e.Message);
        Assert.Contains(why, e.Message);
    }
}

public sealed class EnvironmentSpecTests
{
    private static string? Lookup(string key) => key == "HOME" ? "/root" : null;

    [Theory]
    [InlineData("A=b", "A=b")]
    [InlineData("A=", "A=")]
    [InlineData("A=b=c", "A=b=c")]
    [InlineData("HOME", "HOME=/root")]
    [InlineData("UNSET", null)]
    public void Variables_are_given_or_passed_on(string text, string? expected) => Assert.Equal(expected, EnvironmentSpec.Parse(text, Lookup));

    [Theory]
    [InlineData("=x")]
    [InlineData("A B=c")]
    public void Bad_variables_are_refused(string text) => Assert.Contains($"'{text}'", Assert.Throws<FormatException>(() => EnvironmentSpec.Parse(text, Lookup)).Message);

    [Fact]
    public void Labels_are_key_value_pairs()
    {
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "", ["c"] = "x=y" }, EnvironmentSpec.Labels(["a=1", "b", "c=x=y"]));
        Assert.Throws<FormatException>(() => EnvironmentSpec.Labels(["=1"]));
    }
}

public sealed class CommandLineSplitTests
{
    private static readonly Dictionary<string, ISet<string>> Verbs = new()
    {
        ["run"] = Flotilla.Cli.Commands.RunCommand.ValuedOptions,
        ["exec"] = Flotilla.Cli.Commands.ContainerCommands.ExecValuedOptions,
    };

    [Theory]
    [InlineData("run busybox echo hi", "run busybox", "echo hi")]
    [InlineData("run --rm -e A=1 --name web busybox ls -la --color", "run --rm -e A=1 --name web busybox", "ls -la --color")]
    [InlineData("run -v data:/d -m 16m -i busybox", "run -v data:/d -m 16m -i busybox", "")]
    [InlineData("run --name=web -eA=1 busybox sh", "run --name=web -eA=1 busybox", "sh")]
    [InlineData("-H unix:///x.sock run busybox true", "-H unix:///x.sock run busybox", "true")]
    [InlineData("--host unix:///run run busybox true", "--host unix:///run run busybox", "true")]
    [InlineData("run -- busybox -x", "run busybox", "-x")]
    [InlineData("exec -i -e A=1 web sh -c 'x'", "exec -i -e A=1 web", "sh -c 'x'")]
    [InlineData("exec web run now", "exec web", "run now")]
    [InlineData("ps -a", "ps -a", "")]
    [InlineData("logs run", "logs run", "")]
    [InlineData("run", "run", "")]
    [InlineData("", "", "")]
    public void Everything_after_the_image_or_container_belongs_to_the_container(string line, string ours, string container)
    {
        var (o, c) = CommandLineSplit.Split(Words(line), Verbs);
        Assert.Equal(Words(ours), o);
        Assert.Equal(Words(container), c);
    }

    private static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

public sealed class UsageErrorTests
{
    [Theory]
    [InlineData("--bogus", "--bogus")]
    [InlineData("--bogus=1", "--bogus")]
    [InlineData("-x", "-x")]
    [InlineData("--rm -d --name=web -v a:/b -H unix:///s", null)]
    [InlineData("-- --bogus", null)]
    public void An_unknown_flag_is_named(string words, string? unknown)
    {
        var root = new System.CommandLine.RootCommand();
        root.Options.Add(Flotilla.Cli.Commands.Cli.Host);
        var run = Flotilla.Cli.Commands.RunCommand.Create(() => []);
        root.Subcommands.Add(run);
        Assert.Equal(unknown, UsageErrors.UnknownOption(run, words.Split(' ')));
    }
}

public sealed class MountOptionTests
{
    [Fact]
    public void Keys_and_their_aliases_fill_a_mount()
    {
        var bind = MountOption.Parse("type=bind,src=./data,dst=/d,readonly", "/work/here");
        Assert.Equal(("bind", "/work/here/data", "/d", true), (bind.Type, bind.Source, bind.Target, bind.ReadOnly));

        var volume = MountOption.Parse("source=cache,target=/c,ro=false", "/");
        Assert.Equal(("volume", "cache", "/c", false), (volume.Type, volume.Source, volume.Target, volume.ReadOnly));

        var tmpfs = MountOption.Parse("type=tmpfs,destination=/t,tmpfs-size=64m,tmpfs-mode=1770", "/");
        Assert.Equal(("tmpfs", null, "/t"), (tmpfs.Type, tmpfs.Source, tmpfs.Target));
        Assert.Equal(64L << 20, tmpfs.TmpfsOptions!.SizeBytes);
        Assert.Equal(Convert.ToInt32("1770", 8), tmpfs.TmpfsOptions.Mode);
    }

    [Theory]
    [InlineData("type=bind,source=/x", "target is required")]
    [InlineData("type=tmpfs,target=/t,colour=blue", "unknown key 'colour'")]
    [InlineData("type=tmpfs,target=/t,tmpfs-mode=999", "tmpfs-mode '999'")]
    [InlineData("type=tmpfs,target=/t,tmpfs-size=lots", "tmpfs-size")]
    [InlineData("type=volume,source=,target=/t", "source needs a value")]
    [InlineData("target=/t,readonly=maybe", "readonly takes true or false")]
    public void Bad_mounts_say_which_and_why(string text, string why)
    {
        var message = Assert.Throws<FormatException>(() => MountOption.Parse(text, "/")).Message;
        Assert.Contains($"'{text}'", message);
        Assert.Contains(why, message);
    }
}
