using System.Text;
using Flotilla.Guest;
using Flotilla.Hypervisor.HyperV;
using Flotilla.Hypervisor.MacOS;
using Flotilla.Hypervisor.Vm;
using Flotilla.Plugins;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flotilla.Hypervisors.Tests;

/// <summary>
/// The VM lifecycle above the hypervisor (create, start, attach, exit code, kill, logs, delete, restart) through
/// the macos runtime with a fake vfkit: logic tests only, no VM boots here.
/// </summary>
public sealed class VmLifecycleTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("flotilla-vmtest-");
    private readonly FakeVfkit _vfkit = new();
    private readonly VmSettings _settings;
    private int _containers;

    public VmLifecycleTests()
    {
        var boot = Directory.CreateDirectory(Path.Combine(_dir.FullName, "boot")).FullName;
        File.WriteAllText(Path.Combine(boot, "vmlinux"), "kernel");
        using (var initrd = File.Create(Path.Combine(boot, "initrd.img")))
        {
            var cpio = new CpioWriter(initrd);
            cpio.AddFile("init", "the guest init");
            cpio.Finish();
        }

        _settings = new VmSettings("hypervisor-macos", Path.Combine(boot, "vmlinux"), Path.Combine(boot, "initrd.img"),
            Path.Combine(_dir.FullName, "state"), 512, TimeSpan.FromSeconds(2));
    }

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Output_reaches_an_attach_made_at_start_and_the_log()
    {
        var runtime = Runtime();
        var spec = Spec("echo", "hello");
        await runtime.CreateAsync(spec, default);

        var streams = await runtime.StartAsync(spec.Id, attach: true, default);
        var output = await ReadAllAsync(streams!);
        var exit = await runtime.WaitAsync(spec.Id, default).WaitAsync(Patience);

        Assert.Equal(0, exit.ExitCode);
        Assert.Equal(["1:hello\n", "2:to stderr\n"], output);
        var logs = await runtime.ReadLogsAsync(spec.Id, follow: false, default).ToListAsync();
        Assert.Equal("hello\n", Encoding.UTF8.GetString(logs[0].Data.Span));
        Assert.Equal(ContainerState.Exited, (await runtime.GetStatusAsync(spec.Id, default)).State);
    }

    [Fact]
    public async Task The_guest_gets_argv_env_user_mounts_and_transport_and_vfkit_gets_the_limits()
    {
        var runtime = Runtime();
        var volume = Directory.CreateDirectory(Path.Combine(_dir.FullName, "vol")).FullName;
        var spec = Spec("exit", "0") with
        {
            Env = ["PATH=/bin", "A=b c"],
            WorkingDir = "/srv",
            User = "app",
            Mounts = [new MountSpec(volume, "/data", ReadOnly: true)],
            Resources = new ResourceLimits(128L << 20, 1_000_000_000),
        };
        await runtime.CreateAsync(spec, default);
        await runtime.StartAsync(spec.Id, false, default);
        await runtime.WaitAsync(spec.Id, default).WaitAsync(Patience);

        var vm = Assert.Single(_vfkit.Started);
        Assert.Equal("PATH=/bin\0A=b c\0", vm.Text("flotilla/env"));
        Assert.Equal("/srv\n", vm.Text("flotilla/workdir"));
        Assert.Equal("1000:100\n", vm.Text("flotilla/user"));
        Assert.Equal("rootfs / rw\nvol0 /data ro\n", vm.Text("flotilla/mounts"));
        Assert.Equal("the guest init", vm.Text("init"));
        Assert.Equal(["--cpus", "1", "--memory", "128"], vm.Args.Take(4));
        Assert.Contains($"virtio-fs,sharedDir={volume},mountTag=vol0", vm.Args);
    }

    [Fact]
    public async Task Exit_code_is_the_one_the_guest_reports()
    {
        var runtime = Runtime();
        var spec = Spec("exit", "3");
        await runtime.CreateAsync(spec, default);
        await runtime.StartAsync(spec.Id, false, default);

        Assert.Equal(3, (await runtime.WaitAsync(spec.Id, default).WaitAsync(Patience)).ExitCode);
    }

    [Fact]
    public async Task Stdin_goes_to_the_guest_until_closed()
    {
        var runtime = Runtime();
        var spec = Spec("cat") with { OpenStdin = true };
        await runtime.CreateAsync(spec, default);
        var streams = (await runtime.StartAsync(spec.Id, attach: true, default))!;

        await streams.WriteInputAsync("one\n"u8.ToArray(), default);
        await streams.WriteInputAsync("two\n"u8.ToArray(), default);
        await streams.CloseInputAsync(default);

        Assert.Equal(["1:one\n", "1:two\n"], await ReadAllAsync(streams));
        Assert.Equal(0, (await runtime.WaitAsync(spec.Id, default).WaitAsync(Patience)).ExitCode);
    }

    [Fact]
    public async Task Kill_sends_catchable_signals_to_the_guest_and_powers_off_on_sigkill()
    {
        var runtime = Runtime();
        var term = Spec("sleep");
        var kill = Spec("sleep");
        foreach (var spec in new[] { term, kill })
        {
            await runtime.CreateAsync(spec, default);
            await runtime.StartAsync(spec.Id, false, default);
        }

        Assert.Equal(ContainerState.Running, (await runtime.GetStatusAsync(term.Id, default)).State);
        await runtime.KillAsync(term.Id, 15, default);
        await runtime.KillAsync(kill.Id, 9, default);

        Assert.Equal(143, (await runtime.WaitAsync(term.Id, default).WaitAsync(Patience)).ExitCode);
        Assert.Equal(137, (await runtime.WaitAsync(kill.Id, default).WaitAsync(Patience)).ExitCode);
        Assert.All(_vfkit.Started, vm => Assert.True(vm.Exited.IsCompleted));
        var e = await Assert.ThrowsAsync<PluginException>(() => runtime.KillAsync(kill.Id, 9, default));
        Assert.Equal(PluginErrorKind.Conflict, e.Kind);
    }

    [Fact]
    public async Task A_guest_that_ends_without_an_exit_frame_exits_255_and_says_so()
    {
        var runtime = Runtime();
        var spec = Spec("die");
        await runtime.CreateAsync(spec, default);
        await runtime.StartAsync(spec.Id, false, default);

        var exit = await runtime.WaitAsync(spec.Id, default).WaitAsync(Patience);

        Assert.Equal(255, exit.ExitCode);
        Assert.Contains("without reporting an exit code", exit.Error);
    }

    [Fact]
    public async Task A_guest_that_never_connects_is_stopped_after_the_boot_timeout()
    {
        var runtime = Runtime();
        var spec = Spec("hang");
        await runtime.CreateAsync(spec, default);

        var e = await Assert.ThrowsAsync<PluginException>(() => runtime.StartAsync(spec.Id, false, default));

        Assert.Contains("did not open its channel within 2 s", e.Message);
        var vm = Assert.Single(_vfkit.Started);
        Assert.True(vm.Killed);
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir.FullName, "run")));
    }

    [Fact]
    public async Task A_vm_that_stops_before_its_guest_connects_is_reported_at_once()
    {
        var runtime = Runtime();
        var spec = Spec("crash");
        await runtime.CreateAsync(spec, default);

        var e = await Assert.ThrowsAsync<PluginException>(() => runtime.StartAsync(spec.Id, false, default));

        Assert.Contains("stopped before its guest init connected", e.Message);
    }

    [Fact]
    public async Task Delete_refuses_a_running_container_and_removes_an_exited_one()
    {
        var runtime = Runtime();
        var spec = Spec("sleep");
        await runtime.CreateAsync(spec, default);
        await runtime.StartAsync(spec.Id, false, default);
        Assert.Equal([spec.Id], await runtime.ListAsync(default));

        var e = await Assert.ThrowsAsync<PluginException>(() => runtime.DeleteAsync(spec.Id, default));
        Assert.Equal(PluginErrorKind.Conflict, e.Kind);

        await runtime.KillAsync(spec.Id, 9, default);
        await runtime.WaitAsync(spec.Id, default).WaitAsync(Patience);
        await runtime.DeleteAsync(spec.Id, default);
        Assert.Empty(await runtime.ListAsync(default));
        Assert.Equal(ContainerState.Unknown, (await runtime.GetStatusAsync(spec.Id, default)).State);
    }

    [Fact]
    public async Task After_a_daemon_restart_exits_and_logs_are_still_known_and_a_vm_that_was_running_is_reported_gone()
    {
        var before = Runtime();
        var done = Spec("echo", "kept");
        var running = Spec("sleep");
        var created = Spec("exit", "0");
        foreach (var spec in new[] { done, running, created })
        {
            await before.CreateAsync(spec, default);
        }

        await before.StartAsync(done.Id, false, default);
        await before.WaitAsync(done.Id, default).WaitAsync(Patience);
        await before.StartAsync(running.Id, false, default);

        var after = Runtime();

        Assert.Equal(0, (await after.GetStatusAsync(done.Id, default)).Exit!.ExitCode);
        Assert.Equal("kept\n", Encoding.UTF8.GetString((await after.ReadLogsAsync(done.Id, false, default).FirstAsync()).Data.Span));
        var gone = (await after.GetStatusAsync(running.Id, default)).Exit!;
        Assert.Equal(255, gone.ExitCode);
        Assert.Contains("daemon stopped while the VM ran", gone.Error);
        Assert.Equal(ContainerState.Created, (await after.GetStatusAsync(created.Id, default)).State);
        await before.KillAsync(running.Id, 9, default);
    }

    [Fact]
    public async Task On_a_host_without_the_hypervisor_every_call_refuses_with_not_supported_on_this_host()
    {
        var macos = new VmContainerRuntime("macos", _settings, new MacOSHost("/x/vfkit", Path.Combine(_dir.FullName, "run"), _vfkit, isMacOS: false), NullLoggerFactory.Instance);
        var hyperv = new VmContainerRuntime("hyperv", _settings, new HyperVHost(), NullLoggerFactory.Instance);

        var e = await Assert.ThrowsAsync<PluginException>(() => macos.CreateAsync(Spec("echo"), default));
        Assert.Equal("the macos runtime is not supported on this host (needs macOS 12+ with vfkit)", e.Message);
        Assert.Equal(PluginErrorKind.NotSupported, e.Kind);
        e = await Assert.ThrowsAsync<PluginException>(() => hyperv.CreateAsync(Spec("echo"), default));
        Assert.Equal("the hyperv runtime is not supported on this host (needs Windows 10 1809+/Server 2019 with the Hyper-V feature)", e.Message);
        await Assert.ThrowsAsync<PluginException>(() => hyperv.StartAsync("x", false, default));
        await Assert.ThrowsAsync<PluginException>(() => hyperv.KillAsync("x", 9, default));
        Assert.Equal("needs Windows 10 1809+/Server 2019 with the Hyper-V feature", ((IContainerRuntime)hyperv).UnavailableReason);
        Assert.Empty(_vfkit.Started);
    }

    [Fact]
    public async Task A_missing_kernel_is_named_with_how_to_provide_it()
    {
        var runtime = Runtime(_settings with { Kernel = "/nowhere/vmlinux" });

        var e = await Assert.ThrowsAsync<PluginException>(() => runtime.CreateAsync(Spec("echo"), default));

        Assert.Contains("/nowhere/vmlinux", e.Message);
        Assert.Contains("--Plugins:hypervisor-macos:kernel=PATH", e.Message);
    }

    [Fact]
    public async Task Memory_below_the_minimum_is_refused_before_anything_is_made()
    {
        var runtime = Runtime();
        var e = await Assert.ThrowsAsync<PluginException>(() => runtime.CreateAsync(Spec("echo") with { Resources = new ResourceLimits(16L << 20) }, default));

        Assert.Equal(PluginErrorKind.InvalidInput, e.Kind);
        Assert.Empty(await runtime.ListAsync(default));
    }

    private VmContainerRuntime Runtime(VmSettings? settings = null) =>
        new("macos", settings ?? _settings, new MacOSHost("/fake/vfkit", Path.Combine(_dir.FullName, "run"), _vfkit, isMacOS: true), NullLoggerFactory.Instance);

    private ContainerSpec Spec(params string[] args)
    {
        var n = Interlocked.Increment(ref _containers);
        var id = n.ToString("x2").PadLeft(64, 'c');
        var layer = Path.Combine(_dir.FullName, "layer");
        Directory.CreateDirectory(Path.Combine(layer, "etc"));
        File.WriteAllText(Path.Combine(layer, "etc/passwd"), "root:x:0:0::/root:/bin/sh\napp:x:1000:100::/home/app:/bin/sh\n");
        var scratch = Directory.CreateDirectory(Path.Combine(_dir.FullName, "scratch", id)).FullName;
        return new ContainerSpec { Id = id, Name = "c" + n, Hostname = "c" + n, Rootfs = new RootFilesystem([layer], scratch), Args = args };
    }

    private static async Task<List<string>> ReadAllAsync(IContainerStreams streams)
    {
        using var cts = new CancellationTokenSource(Patience);
        var frames = new List<string>();
        await foreach (var frame in streams.ReadOutputAsync(cts.Token))
        {
            frames.Add($"{(int)frame.Stream}:{Encoding.UTF8.GetString(frame.Data.Span)}");
        }

        return frames;
    }
}
