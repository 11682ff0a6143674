using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Flotilla.Tests.Harness;

namespace Flotilla.Registry.Tests;

/// <summary>
/// Debian's docker-registry (distribution 2.8) on 127.0.0.1 (or a test network's address) with a free port and its own storage under a per-run
/// directory; with htpasswd basic auth (bcrypt) when a user is given. Disposing it stops the process and removes
/// the directory; the harness' sweep removes what a crashed run left.
/// </summary>
public sealed class DockerRegistry : IAsyncDisposable
{
    private Process? _process;

    private DockerRegistry(string directory, string address)
    {
        Directory = directory;
        Address = address;
    }

    public string Address { get; }

    public string Directory { get; }

    public int Port { get; private set; }

    /// <summary>host:port, the registry part of image references.</summary>
    public string Host => $"{Address}:{Port}";

    public static async Task<DockerRegistry> StartAsync(string? user = null, string? password = null, string address = "127.0.0.1")
    {
        await Leftovers.SweepStaleRunsAsync();
        var registry = new DockerRegistry(Path.Combine(Leftovers.BaseDirectory, Leftovers.Prefix + "registry-" + Guid.NewGuid().ToString("N")[..8]), address);
        System.IO.Directory.CreateDirectory(registry.Directory);
        await File.WriteAllTextAsync(Path.Combine(registry.Directory, "owner.pid"), Environment.ProcessId.ToString());
        try
        {
            await registry.StartProcessAsync(user, password);
        }
        catch
        {
            await registry.DisposeAsync();
            throw;
        }

        return registry;
    }

    private async Task StartProcessAsync(string? user, string? password)
    {
        Port = Net.FreePort();
        var auth = "";
        if (user is not null)
        {
            var htpasswd = Path.Combine(Directory, "htpasswd");
            var made = await Run.ProcessAsync("htpasswd", ["-Bbc", htpasswd, user, password!]);
            Assert.True(made.ExitCode == 0, made.ToString());
            auth = $"auth:\n  htpasswd:\n    realm: flotilla-test\n    path: {htpasswd}\n";
        }

        var config = Path.Combine(Directory, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: warn
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: {Path.Combine(Directory, "storage")}
              delete:
                enabled: true
            http:
              addr: {Host}
            {auth}
            """);
        var psi = new ProcessStartInfo("docker-registry") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add(config);
        _process = Process.Start(psi)!;
        var log = Path.Combine(Directory, "registry.log");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (this) File.AppendAllText(log, e.Data + "\n"); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (this) File.AppendAllText(log, e.Data + "\n"); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"docker-registry exited with {_process.ExitCode}: {(File.Exists(log) ? File.ReadAllText(log) : "")}");
            }

            try
            {
                using var response = await http.GetAsync($"http://{Host}/v2/");
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("docker-registry did not answer within 30 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        await Leftovers.CleanAsync(Directory, Path.GetFileName(Directory));
    }

}
