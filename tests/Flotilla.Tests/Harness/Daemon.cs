using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Flotilla.Tests.Harness;

/// <summary>
/// A real flotillad process with its own data root, run root, socket, ports and cgroup parent under a per-run
/// directory; <see cref="DisposeAsync"/> removes everything it and its containers made, even after a failed test.
/// </summary>
public sealed class Daemon : IAsyncDisposable
{
    private Process? _process;

    private Daemon(string name)
    {
        Name = name;
        RunDirectory = Path.Combine(Leftovers.BaseDirectory, name);
    }

    /// <summary>Per-run name: directory, node name and cgroup parent.</summary>
    public string Name { get; }

    public string RunDirectory { get; }

    public string DataRoot => Path.Combine(RunDirectory, "data");

    public string RunRoot => Path.Combine(RunDirectory, "run");

    public string Socket => Path.Combine(RunRoot, "flotilla.sock");

    public string Host => "unix://" + Socket;

    public int SiloPort { get; private set; }

    public string LogFile => Path.Combine(RunDirectory, "flotillad.out");

    public IReadOnlyList<string> ExtraArgs { get; private init; } = [];

    /// <summary>A command the daemon is started under, e.g. nsenter into a test node's network namespace.</summary>
    public IReadOnlyList<string> Launcher { get; private init; } = [];

    public static Task<Daemon> StartAsync(params string[] extraArgs) => StartAsync([], extraArgs);

    public static async Task<Daemon> StartAsync(string[] launcher, params string[] extraArgs)
    {
        await Leftovers.SweepStaleRunsAsync();
        var daemon = new Daemon(Leftovers.Prefix + Guid.NewGuid().ToString("N")[..8]) { ExtraArgs = extraArgs, Launcher = launcher };
        // Made under another name and renamed: a sweep by a test process running beside this one (another test
        // project) never sees the directory without its owner.pid, which it would take for a crashed run's.
        var staging = Path.Combine(Leftovers.BaseDirectory, ".staging-" + daemon.Name);
        Directory.CreateDirectory(staging);
        await File.WriteAllTextAsync(Path.Combine(staging, "owner.pid"), Environment.ProcessId.ToString());
        Directory.Move(staging, daemon.RunDirectory);
        daemon.SiloPort = Net.FreePort();
        try
        {
            await daemon.StartProcessAsync();
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }

        return daemon;
    }

    public async Task StartProcessAsync()
    {
        var psi = new ProcessStartInfo(Launcher.Count > 0 ? Launcher[0] : Repo.Flotillad)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in Launcher.Skip(1).Concat(Launcher.Count > 0 ? [Repo.Flotillad] : []))
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var a in (string[])
                 ["--data-root", DataRoot, "--run-root", RunRoot, "--socket", Socket, "--node-name", Name,
                  "--silo-port", SiloPort.ToString(), "--gateway-port", "0",
                  $"--Plugins:runtime-linux:cgroup-parent={Name}", .. ExtraArgs])
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi)!;
        var log = new StreamWriter(LogFile, append: true) { AutoFlush = true };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"flotillad exited with {_process.ExitCode}:\n{await ReadLogAsync()}");
            }

            if ((await CliAsync("version")).ExitCode == 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"flotillad did not answer within 60 s:\n{await ReadLogAsync()}");
    }

    /// <summary>Kills the daemon the hard way: its containers and their monitors must live on.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: false);
            await _process.WaitForExitAsync();
        }
    }

    public Task<ProcessResult> CliAsync(params string[] args) => CliWithInputAsync(null, args);

    public Task<ProcessResult> CliWithInputAsync(string? stdin, params string[] args) =>
        Run.ProcessAsync(Repo.Cli, args, new Dictionary<string, string> { ["FLOTILLA_HOST"] = Host }, stdin, TimeSpan.FromSeconds(90));

    public async Task<string> ReadLogAsync()
    {
        await Task.Delay(50);
        return File.Exists(LogFile) ? string.Join('\n', File.ReadLines(LogFile).TakeLast(80)) : "(no log)";
    }

    /// <summary>Imports the busybox demo image (scripts/busybox-image) as busybox:latest.</summary>
    public async Task ImportBusyboxAsync()
    {
        var tarball = Path.Combine(RunDirectory, "busybox.tar");
        if (!File.Exists(tarball))
        {
            var made = await Run.ProcessAsync(Repo.Script("busybox-image"), [tarball]);
            Assert.True(made.ExitCode == 0, made.ToString());
        }

        var imported = await CliAsync("image", "import", tarball, "busybox:latest");
        Assert.True(imported.ExitCode == 0, imported.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            // Give the daemon a chance to remove its containers cleanly; the sweep below catches the rest.
            var ids = await CliAsync("ps", "-aq");
            foreach (var id in ids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                await CliAsync("rm", "-f", id.Trim());
            }

            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        await Leftovers.CleanAsync(RunDirectory, Name);
    }

}
