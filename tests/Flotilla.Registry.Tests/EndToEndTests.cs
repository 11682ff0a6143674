using System.Net;
using System.Text.Json.Nodes;
using Flotilla.Client;
using Flotilla.Client.Models;
using Flotilla.Images.Tests;
using Flotilla.Tests.Harness;

namespace Flotilla.Registry.Tests;

/// <summary>
/// The whole path through real processes: flotilla (CLI) → flotillad → docker-registry, and back into a fresh
/// daemon that runs what it pulled.
/// </summary>
public sealed class EndToEndTests
{
    /// <summary>The CLI with its own HOME, so that stored credentials stay in the test's directory.</summary>
    private static Task<ProcessResult> Cli(Daemon daemon, string home, string? stdin, params string[] args) =>
        Run.ProcessAsync(Repo.Cli, args, new Dictionary<string, string> { ["FLOTILLA_HOST"] = daemon.Host, ["HOME"] = home }, stdin, TimeSpan.FromSeconds(120));

    private static void Ok(ProcessResult r) => Assert.True(r.ExitCode == 0, r.ToString());

    [Fact]
    public async Task Image_pushed_by_one_daemon_runs_on_a_fresh_one_that_pulls_it_by_itself()
    {
        await using var registry = await DockerRegistry.StartAsync();
        await using var source = await Daemon.StartAsync();
        await source.ImportBusyboxAsync();
        var name = $"{registry.Host}/e2e/busybox:1";
        Ok(await source.CliAsync("tag", "busybox:latest", name));
        var push = await source.CliAsync("push", name);
        Ok(push);
        Assert.DoesNotContain("Pushing", push.Stdout); // no per-layer chatter when stdout is not a terminal
        Assert.Contains("1: digest: sha256:", push.Stdout);

        await using var target = await Daemon.StartAsync();
        var never = await target.CliAsync("run", "--pull", "never", "--rm", name, "true");
        Assert.NotEqual(0, never.ExitCode);
        Assert.Contains("No such image", never.Stderr);
        var run = await target.CliAsync("run", "--rm", name, "echo", "hello from the registry");
        Ok(run);
        Assert.Equal("hello from the registry\n", run.Stdout);
        Assert.Contains($"Unable to find image '{name}' locally", run.Stderr);
        Assert.Contains($"Status: Downloaded newer image for {name}", run.Stderr);

        var pull = await target.CliAsync("pull", "-q", name);
        Ok(pull);
        Assert.Equal(name + "\n", pull.Stdout);
        var history = await target.CliAsync("image", "history", "--format", "json", name);
        Ok(history);
        Assert.Equal("flotilla image import", JsonNode.Parse(history.Stdout)!.AsArray()[0]!["CreatedBy"]!.GetValue<string>());

        Ok(await target.CliAsync("rmi", name));
        var prune = await target.CliAsync("image", "prune", "-f");
        Ok(prune);
        Assert.Contains("Total reclaimed space", prune.Stdout);
    }

    [Fact]
    public async Task A_configured_mirror_serves_pulls_and_a_mirror_without_the_image_falls_back_to_the_registry()
    {
        await using var upstream = await DockerRegistry.StartAsync();
        await using var mirror = await DockerRegistry.StartAsync();
        await using var source = await Daemon.StartAsync();
        await source.ImportBusyboxAsync();
        // Only the mirror has "onlymirrored"; only the registry itself has "upstream".
        Ok(await source.CliAsync("tag", "busybox:latest", $"{mirror.Host}/m/onlymirrored:1"));
        Ok(await source.CliAsync("push", $"{mirror.Host}/m/onlymirrored:1"));
        Ok(await source.CliAsync("tag", "busybox:latest", $"{upstream.Host}/m/upstream:1"));
        Ok(await source.CliAsync("push", $"{upstream.Host}/m/upstream:1"));

        await using var node = await Daemon.StartAsync("--Registry:mirrors", $"{upstream.Host}=http://127.0.0.1:9,http://{mirror.Host}");
        var fromMirror = await node.CliAsync("run", "--rm", $"{upstream.Host}/m/onlymirrored:1", "echo", "mirrored");
        Assert.True(fromMirror.ExitCode == 0, fromMirror + await node.ReadLogAsync());
        Assert.Equal("mirrored\n", fromMirror.Stdout);
        Ok(await node.CliAsync("pull", $"{upstream.Host}/m/upstream:1"));
        Assert.Contains("cannot serve", await node.ReadLogAsync());

        var misconfigured = await Assert.ThrowsAsync<InvalidOperationException>(() => Daemon.StartAsync("--Registry:mirrors", $"{upstream.Host}=ftp://nowhere"));
        Assert.Contains("'ftp://nowhere' (a mirror of 127.0.0.1:", misconfigured.Message);
    }

    [Fact]
    public async Task Login_stores_credentials_readable_by_root_only_and_push_and_pull_use_them()
    {
        await using var registry = await DockerRegistry.StartAsync("carol", "pa55word");
        await using var daemon = await Daemon.StartAsync();
        await daemon.ImportBusyboxAsync();
        var home = Path.Combine(daemon.RunDirectory, "home");
        Directory.CreateDirectory(home);
        var name = $"{registry.Host}/private/busybox:1";
        Ok(await daemon.CliAsync("tag", "busybox:latest", name));

        var anonymous = await Cli(daemon, home, null, "push", name);
        Assert.Equal(1, anonymous.ExitCode);
        Assert.Contains($"flotilla login {registry.Host}", anonymous.Stderr);

        var wrong = await Cli(daemon, home, "nope\n", "login", "-u", "carol", "--password-stdin", registry.Host);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("401", wrong.Stderr);
        Assert.False(File.Exists(Path.Combine(home, ".flotilla", "config.json")));

        var login = await Cli(daemon, home, "pa55word\n", "login", "-u", "carol", "--password-stdin", registry.Host);
        Ok(login);
        Assert.Contains("Login Succeeded", login.Stdout);
        var config = Path.Combine(home, ".flotilla", "config.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
        Assert.NotNull(JsonNode.Parse(File.ReadAllText(config))!["auths"]![registry.Host]!["auth"]);

        Ok(await Cli(daemon, home, null, "push", name));
        Ok(await daemon.CliAsync("rmi", name));
        Ok(await Cli(daemon, home, null, "pull", name));
        var run = await daemon.CliAsync("run", "--rm", name, "echo", "private");
        Ok(run);
        Assert.Equal("private\n", run.Stdout);

        Ok(await Cli(daemon, home, null, "logout", registry.Host));
        Ok(await daemon.CliAsync("rmi", name));
        var refused = await Cli(daemon, home, null, "pull", name);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("refused access", refused.Stderr);
    }

    [Fact]
    public async Task Daemon_killed_in_the_middle_of_a_pull_leaves_a_consistent_store_and_a_pull_again_completes()
    {
        await using var registry = await FakeRegistry.StartAsync();
        await using var daemon = await Daemon.StartAsync();
        var busybox = Path.Combine(daemon.RunDirectory, "busybox.tar");
        Ok(await Run.ProcessAsync(Repo.Script("busybox-image"), [busybox]));
        var padding = new byte[3 << 20];
        new Random(3).NextBytes(padding);
        var image = TestImage.Create(
            [(File.ReadAllBytes(busybox), true), (new TarBuilder().File("pad1", padding).Build(), true), (new TarBuilder().File("pad2", padding.Reverse().ToArray()).Build(), false)],
            cmd: ["/bin/echo", "survived"]);
        registry.Add("slow/busybox", "1", image);
        registry.BlobDelay = TimeSpan.FromMilliseconds(40); // ~3 s for a 3 MB layer
        var name = $"{registry.Host}/slow/busybox:1";

        var pull = daemon.CliAsync("pull", name);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (registry.BlobGets.Count < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        await Task.Delay(500); // some blobs whole, the big ones half-way
        await daemon.KillAsync();
        Assert.NotEqual(0, (await pull).ExitCode);

        await daemon.StartProcessAsync();
        var images = await daemon.CliAsync("images", "-q");
        Ok(images);
        Assert.Equal("", images.Stdout);
        var store = Path.Combine(daemon.DataRoot, "images");
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(store, "tmp")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(store, "layers")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(store, "blobs", "sha256")));

        registry.BlobDelay = TimeSpan.Zero;
        Ok(await daemon.CliAsync("pull", name));
        var run = await daemon.CliAsync("run", "--rm", name);
        Ok(run);
        Assert.Equal("survived\n", run.Stdout);
    }

    [Fact]
    public async Task Image_pulled_through_an_index_shows_and_is_found_by_the_index_digest_after_a_restart_without_the_registry()
    {
        await using var registry = await FakeRegistry.StartAsync();
        await using var daemon = await Daemon.StartAsync();
        var busybox = Path.Combine(daemon.RunDirectory, "busybox.tar");
        Ok(await Run.ProcessAsync(Repo.Script("busybox-image"), [busybox]));
        var amd64 = TestImage.Create([(File.ReadAllBytes(busybox), true)], cmd: ["/bin/echo", "from the index"]);
        var arm64 = TestImage.Create([(TestImage.Layer("arm"), true)], architecture: "arm64");
        registry.Add("multi/busybox", "amd64", amd64);
        registry.Add("multi/busybox", "arm64", arm64);
        var index = System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new Flotilla.Images.Oci.ImageIndex
        {
            MediaType = Flotilla.Images.Oci.MediaTypes.OciIndex,
            Manifests = [.. new[] { (arm64, "arm64"), (amd64, "amd64") }.Select(e => new Flotilla.Images.Oci.Descriptor
            {
                MediaType = e.Item1.ManifestMediaType, Digest = e.Item1.ManifestDigest, Size = e.Item1.Manifest.Length,
                Platform = new Flotilla.Images.Oci.Platform { Os = "linux", Architecture = e.Item2 },
            })],
        }, Flotilla.Images.Oci.OciJsonContext.Default.ImageIndex));
        var indexDigest = TarBuilder.Digest(index);
        registry.Manifests["multi/busybox:latest"] = (Flotilla.Images.Oci.MediaTypes.OciIndex, index);
        registry.Manifests[$"multi/busybox@{indexDigest}"] = (Flotilla.Images.Oci.MediaTypes.OciIndex, index);
        var repository = $"{registry.Host}/multi/busybox";

        var pull = await daemon.CliAsync("pull", repository);
        Ok(pull);
        Assert.Contains($"Digest: {indexDigest}", pull.Stdout);
        var inspect = await daemon.CliAsync("image", "inspect", repository);
        Ok(inspect);
        Assert.Equal([$"{repository}@{indexDigest}"], JsonNode.Parse(inspect.Stdout)![0]!["RepoDigests"]!.AsArray().Select(d => d!.GetValue<string>()));

        await daemon.KillAsync();
        await daemon.StartProcessAsync();
        using var client = new FlotillaClient(new FlotillaClientOptions { Host = daemon.Host });
        var listed = Assert.Single(await client.Images.ListAsync());
        Assert.Equal([$"{repository}@{indexDigest}"], listed.RepoDigests);
        Assert.Equal([$"{repository}@{indexDigest}"], (await client.Images.InspectAsync($"{repository}@{indexDigest}")).RepoDigests);
        var table = await daemon.CliAsync("images", "--digests");
        Ok(table);
        Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(repository)}\s+latest\s+{indexDigest}\s", table.Stdout);

        // The registry is gone: the digest names what the store has, so neither pull nor run asks for it.
        await registry.DisposeAsync();
        var byDigest = await daemon.CliAsync("pull", $"{repository}@{indexDigest}");
        Ok(byDigest);
        Assert.Contains($"Status: Image is up to date for {repository}@{indexDigest}", byDigest.Stdout);
        var run = await daemon.CliAsync("run", "--rm", $"{repository}@{indexDigest}");
        Ok(run);
        Assert.Equal("from the index\n", run.Stdout);
    }

    [Fact]
    public async Task Pull_cut_off_mid_layer_resumes_from_what_it_had_with_a_range_request_after_a_daemon_restart()
    {
        await using var registry = await FakeRegistry.StartAsync();
        await using var daemon = await Daemon.StartAsync();
        var busybox = Path.Combine(daemon.RunDirectory, "busybox.tar");
        Ok(await Run.ProcessAsync(Repo.Script("busybox-image"), [busybox]));
        var padding = new byte[1 << 20];
        new Random(5).NextBytes(padding);
        var image = TestImage.Create([(File.ReadAllBytes(busybox), true), (new TarBuilder().File("pad", padding).Build(), true)], cmd: ["/bin/echo", "resumed"]);
        registry.Add("cut/busybox", "1", image);
        var layer = image.LayerDigests[1];
        const int kept = 300_000;
        registry.CutBlobs[layer] = kept;
        var name = $"{registry.Host}/cut/busybox:1";

        var cut = await daemon.CliAsync("pull", name);
        Assert.NotEqual(0, cut.ExitCode);
        await daemon.KillAsync();
        await daemon.StartProcessAsync();
        var images = await daemon.CliAsync("images", "-q");
        Ok(images);
        Assert.Equal("", images.Stdout);

        registry.BlobRanges.Clear();
        Ok(await daemon.CliAsync("pull", name));
        Assert.Contains($"bytes={kept}-", registry.BlobRanges);
        Assert.Matches($"Resuming blob .*{layer[7..]}.* at byte {kept} of", await daemon.ReadLogAsync());
        var run = await daemon.CliAsync("run", "--rm", name);
        Ok(run);
        Assert.Equal("resumed\n", run.Stdout);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(daemon.DataRoot, "images", "partial")));
    }

    [Fact]
    public async Task Sdk_pull_reports_layer_progress_sends_credentials_as_docker_does_and_reports_errors_in_the_stream()
    {
        await using var registry = await FakeRegistry.StartAsync();
        var image = TestImage.Create([(TestImage.Layer("sdk", files: 3, size: 400_000), true), (TestImage.Layer("two"), false)]);
        registry.Add("team/app", "v1", image);
        registry.TokenCredentials = ("dave", "secret");
        await using var daemon = await Daemon.StartAsync();
        using var client = new FlotillaClient(new FlotillaClientOptions { Host = daemon.Host });

        var missing = await Assert.ThrowsAsync<FlotillaApiException>(() => client.Containers.CreateAsync(new ContainerCreateRequest { Image = $"{registry.Host}/team/app:v1" }));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.StartsWith("No such image", missing.Message);

        var denied = await Assert.ThrowsAsync<FlotillaApiException>(() => client.Images.PullAsync($"{registry.Host}/team/app:v1"));
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);

        var steps = new List<PullProgress>();
        var auth = new AuthConfig { Username = "dave", Password = "secret", ServerAddress = registry.Host };
        var digest = await client.Images.PullAsync($"{registry.Host}/team/app:v1", auth, new SyncProgress(steps));
        Assert.Equal(image.ManifestDigest, digest);
        var layer = image.LayerDigests[0][7..19];
        Assert.Contains(steps, p => p.Id == layer && p.Status == "Downloading" && p.Current > 0 && p.Total == image.Blobs[image.LayerDigests[0]].Length);
        Assert.Contains(steps, p => p.Id == layer && p.Status == "Pull complete");
        Assert.Equal("Login Succeeded", (await client.Images.LoginAsync(auth)).Status);
        Assert.Equal("test layer 1", Assert.Single(await client.Images.HistoryAsync($"{registry.Host}/team/app:v1")).CreatedBy);

        // A blob that lies, once the stream has started: the error arrives as docker's errorDetail.
        var liar = TestImage.Create([(TestImage.Layer("liar"), true)]);
        registry.Add("team/liar", "v1", liar);
        registry.Blobs[liar.LayerDigests[0]] = TarBuilder.Gzip(TestImage.Layer("other"));
        var lie = await Assert.ThrowsAsync<FlotillaApiException>(() => client.Images.PullAsync($"{registry.Host}/team/liar:v1", auth));
        // Depending on which of the store and the unpacker sees the lie first: a digest mismatch, or the download failing.
        Assert.Matches("does not match its digest|download of blob .* failed", lie.Message);
        Assert.DoesNotContain(await client.Images.ListAsync(), i => i.RepoTags.Contains($"{registry.Host}/team/liar:v1"));
    }

    private sealed class SyncProgress(List<PullProgress> steps) : IProgress<PullProgress>
    {
        public void Report(PullProgress value) => steps.Add(value);
    }
}
