namespace Flotilla.Tests.Harness;

/// <summary>One daemon with the busybox image, shared by the tests of the "daemon" collection.</summary>
public sealed class SharedDaemon : IAsyncLifetime
{
    public Daemon Daemon { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Daemon = await Daemon.StartAsync();
        await Daemon.ImportBusyboxAsync();
    }

    public async Task DisposeAsync() => await Daemon.DisposeAsync();
}

[CollectionDefinition("daemon")]
public sealed class DaemonCollection : ICollectionFixture<SharedDaemon>;
