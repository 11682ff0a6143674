using System.Formats.Tar;
using System.Text;
using Flotilla.Tests.Harness;

namespace Flotilla.Tests.EndToEnd;

[Collection("daemon")]
public sealed class StreamsAndImagesTests(SharedDaemon shared)
{
    private Daemon D => shared.Daemon;

    [Fact]
    public async Task Logs_follow_streams_until_the_container_exits()
    {
        var name = D.Name + "-follow";
        var run = await D.CliAsync("run", "-d", "--name", name, "busybox", "sh", "-c", "for i in 1 2 3; do echo tick $i; sleep 0.3; done");
        try
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            var follow = await D.CliAsync("logs", "-f", name);
            Assert.Equal("tick 1\ntick 2\ntick 3\n", follow.Stdout);
            var tail = await D.CliAsync("logs", "--tail", "1", name);
            Assert.Equal("tick 3\n", tail.Stdout);
        }
        finally
        {
            await D.CliAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task A_docker_save_tarball_loads_and_runs()
    {
        var tarball = Path.Combine(D.RunDirectory, "saved-" + Guid.NewGuid().ToString("N")[..6] + ".tar");
        await WriteDockerSaveAsync(tarball, "saved/hello:1");
        var load = await D.CliAsync("image", "load", "-i", tarball);
        Assert.True(load.ExitCode == 0, load.ToString());
        Assert.Contains("Loaded image: saved/hello:1", load.Stdout);
        try
        {
            var run = await D.CliAsync("run", "--rm", "saved/hello:1", "/bin/sh", "-c", "cat /greeting");
            Assert.Equal("hello from a saved image\n", run.Stdout);
            var inspect = await D.CliAsync("image", "inspect", "saved/hello:1");
            Assert.Contains("\"RepoTags\"", inspect.Stdout);
        }
        finally
        {
            await D.CliAsync("rmi", "saved/hello:1");
        }

        Assert.DoesNotContain("saved/hello", (await D.CliAsync("images")).Stdout);
    }

    /// <summary>A `docker save` tarball: the busybox layer plus a layer with /greeting, a config and manifest.json.</summary>
    private async Task WriteDockerSaveAsync(string path, string tag)
    {
        var busybox = Path.Combine(D.RunDirectory, "busybox.tar");
        var greeting = new MemoryStream();
        await using (var w = new TarWriter(greeting, leaveOpen: true))
        {
            await w.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "greeting") { DataStream = new MemoryStream("hello from a saved image\n"u8.ToArray()) });
        }

        var layers = new[] { await File.ReadAllBytesAsync(busybox), greeting.ToArray() };
        var diffIds = layers.Select(l => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(l))).ToArray();
        var config = Encoding.UTF8.GetBytes(
            $$$"""{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["{{{diffIds[0]}}}","{{{diffIds[1]}}}"]}}""");
        var configName = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(config)) + ".json";
        var manifest = $$"""[{"Config":"{{configName}}","RepoTags":["{{tag}}"],"Layers":["l0/layer.tar","l1/layer.tar"]}]""";
        await using var file = File.Create(path);
        await using var tar = new TarWriter(file);
        await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, configName) { DataStream = new MemoryStream(config) });
        for (var i = 0; i < layers.Length; i++)
        {
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, $"l{i}/layer.tar") { DataStream = new MemoryStream(layers[i]) });
        }

        await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "manifest.json") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(manifest)) });
    }
}
