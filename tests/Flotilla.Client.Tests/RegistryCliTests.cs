using System.Text;
using Flotilla.Cli.Registry;
using Flotilla.Client.Models;

namespace Flotilla.Client.Tests;

public sealed class CredentialStoreTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "flotilla-cred-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_home))
        {
            Directory.Delete(_home, recursive: true);
        }
    }

    [Theory]
    [InlineData("busybox", "docker.io")]
    [InlineData("library/busybox:1", "docker.io")]
    [InlineData("index.docker.io/library/busybox", "docker.io")]
    [InlineData("localhost/app", "localhost")]
    [InlineData("127.0.0.1:5000/team/app:v1", "127.0.0.1:5000")]
    [InlineData("ghcr.io/owner/app@sha256:abc", "ghcr.io")]
    public void Registry_of_a_reference_splits_as_docker_does(string reference, string registry) =>
        Assert.Equal(registry, CredentialStore.RegistryOf(reference));

    [Theory]
    [InlineData(null, CredentialStore.DockerHubKey)]
    [InlineData("docker.io", CredentialStore.DockerHubKey)]
    [InlineData("https://index.docker.io/v1/", CredentialStore.DockerHubKey)]
    [InlineData("https://registry.example:5000/v2/", "registry.example:5000")]
    [InlineData("registry.example:5000", "registry.example:5000")]
    public void Server_addresses_map_to_docker_keys(string? server, string key) => Assert.Equal(key, CredentialStore.KeyOf(server));

    [Fact]
    public void Saved_credentials_are_owner_only_and_found_again_then_forgotten()
    {
        var store = new CredentialStore(_home);
        store.Save("127.0.0.1:5000", "alice", "pa:ss");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.Path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(store.Path)!));
        var found = store.Find("127.0.0.1:5000")!;
        Assert.Equal(("alice", "pa:ss"), (found.Username, found.Password));
        Assert.True(store.Remove("127.0.0.1:5000"));
        Assert.Null(store.Find("127.0.0.1:5000"));
        Assert.False(store.Remove("127.0.0.1:5000"));
    }

    [Fact]
    public void Docker_logins_are_honoured()
    {
        Directory.CreateDirectory(Path.Combine(_home, ".docker"));
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("bob:hunter2"));
        File.WriteAllText(Path.Combine(_home, ".docker", "config.json"), "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" + auth + "\"}}}");
        var found = new CredentialStore(_home).Find("docker.io")!;
        Assert.Equal(("bob", "hunter2"), (found.Username, found.Password));
    }
}

public sealed class ProgressDisplayTests
{
    [Fact]
    public void Terminal_shows_one_line_per_layer_redrawn_in_place()
    {
        var output = new StringWriter();
        var display = new ProgressDisplay(output, terminal: true, quiet: false);
        display.Report(new PullProgress("v1", "Pulling from team/app", null, null));
        display.Report(new PullProgress("0123456789ab", "Pulling fs layer", null, null));
        display.Report(new PullProgress("ba9876543210", "Pulling fs layer", null, null));
        display.Report(new PullProgress("0123456789ab", "Downloading", 500, 1000));
        var text = output.ToString();
        Assert.StartsWith("v1: Pulling from team/app\n0123456789ab: Pulling fs layer\nba9876543210: Pulling fs layer\n", text);
        // Two lines up, the layer's line rewritten with its bar, two lines down.
        Assert.EndsWith("\u001b[2A\r\u001b[2K0123456789ab: Downloading [====================>                   ] 500B/1kB\r\u001b[2B", text);
    }

    [Fact]
    public void Scripts_get_the_whole_image_lines_only_and_quiet_gets_nothing()
    {
        var output = new StringWriter();
        var display = new ProgressDisplay(output, terminal: false, quiet: false);
        display.Report(new PullProgress("v1", "Pulling from team/app", null, null));
        display.Report(new PullProgress("0123456789ab", "Downloading", 500, 1000));
        display.Report(new PullProgress(null, "Digest: sha256:abc", null, null));
        Assert.Equal("v1: Pulling from team/app\nDigest: sha256:abc\n", output.ToString());

        var quiet = new StringWriter();
        new ProgressDisplay(quiet, terminal: false, quiet: true).Report(new PullProgress(null, "Digest: sha256:abc", null, null));
        Assert.Equal("", quiet.ToString());
    }
}
