using Flotilla.Tests.Harness;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Flotilla.Kvm.Tests;

/// <summary>One daemon with the busybox image shared by the kvm tests; every VM it ran must be gone at the end.</summary>
public sealed class KvmDaemon : IAsyncLifetime
{
    public Daemon Daemon { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Daemon = await Daemon.StartAsync();
        await Daemon.ImportBusyboxAsync();
    }

    public async Task DisposeAsync()
    {
        var left = Vms.Of(Daemon.RunDirectory);
        await Daemon.DisposeAsync();
        Assert.True(left.Count == 0, $"QEMU processes left running by the tests: {string.Join(", ", left)}");
    }
}

[CollectionDefinition("kvm")]
public sealed class KvmCollection : ICollectionFixture<KvmDaemon>;
