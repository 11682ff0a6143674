using Flotilla.Client;
using Flotilla.Client.Models;
using Flotilla.Tests.Harness;

namespace Flotilla.Swarm.Tests;

/// <summary>
/// Three real nodes, each a flotillad in its own network namespace, formed into one swarm through the CLI
/// (init on node 1, join with the worker token on 2 and 3), with busybox imported on each. Shared by the tests of
/// one class; tests that kill or cut off a node put it back before they end.
/// </summary>
public sealed class SwarmCluster : IAsyncLifetime
{
    public const int Size = 3;

    public TestNetwork Network { get; private set; } = null!;

    public TestDatabase Database { get; private set; } = null!;

    /// <summary>A registry on the test bridge's gateway that every node may pull from over plain HTTP.</summary>
    public Flotilla.Registry.Tests.DockerRegistry Registry { get; private set; } = null!;

    public List<Daemon> Nodes { get; } = [];

    public Daemon Manager => Nodes[0];

    public string ManagerAddress => $"{Network.Address(1)}:2377";

    public async Task InitializeAsync()
    {
        Network = await TestNetwork.CreateAsync(Size);
        Database = await TestDatabase.CreateAsync();
        Registry = await Flotilla.Registry.Tests.DockerRegistry.StartAsync(address: Network.Gateway);
        for (var n = 1; n <= Size; n++)
        {
            var node = await Daemon.StartAsync(Network.Launcher(n), "--advertise-addr", Network.Address(n), $"--Registry:insecure={Registry.Host}",
                "--Plugins:network:dns-upstream=none");
            Nodes.Add(node);
            await node.ImportBusyboxAsync();
        }

        var init = await Manager.CliAsync("swarm", "init", "--datastore", Database.ConnectionString(Network.Gateway));
        Assert.True(init.ExitCode == 0, init + await Manager.ReadLogAsync());
        var token = (await Manager.CliAsync("swarm", "join-token", "-q", "worker")).Stdout.Trim();
        for (var n = 1; n < Size; n++)
        {
            var joined = await Nodes[n].CliAsync("swarm", "join", "--token", token, ManagerAddress);
            Assert.True(joined.ExitCode == 0, joined + await Nodes[n].ReadLogAsync());
        }
    }

    public FlotillaClient Client(int index = 0) => new(new FlotillaClientOptions { Host = Nodes[index].Host });

    /// <summary>Waits until <paramref name="done"/> holds for the service's tasks, or fails with what they were.</summary>
    public async Task<List<SwarmTask>> WaitForTasksAsync(string service, Func<List<SwarmTask>, bool> done, TimeSpan timeout)
    {
        using var client = Client();
        var deadline = DateTime.UtcNow + timeout;
        List<SwarmTask> tasks = [];
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                tasks = await client.Services.TasksAsync(service);
                if (done(tasks))
                {
                    return tasks;
                }
            }
            catch (FlotillaApiException)
            {
                // A manager's view can be briefly unavailable while membership settles.
            }

            await Task.Delay(250);
        }

        var seen = string.Join('\n', tasks.Select(t => $"{t.Name} {t.NodeID} {t.DesiredState} {t.Status.State} {t.Status.Err}"));
        throw new TimeoutException($"service {service} did not get there within {timeout.TotalSeconds} s; its tasks:\n{seen}");
    }

    /// <summary>
    /// Waits until every node answers and the swarm sees all of them ready, without a break for a few seconds: after
    /// a database outage a node the others evicted restarts itself, and a test that starts then would find it gone.
    /// </summary>
    public async Task WaitSteadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        var steadySince = DateTime.UtcNow;
        var seen = "";
        while (DateTime.UtcNow - steadySince < TimeSpan.FromSeconds(5))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the swarm did not settle within 90 s: {seen}");
            }

            var answering = await Task.WhenAll(Nodes.Select(async n => (await n.CliAsync("version")).ExitCode == 0));
            var ready = 0;
            try
            {
                using var client = Client();
                ready = (await client.Nodes.ListAsync()).Count(n => n.Status.State == "ready");
            }
            catch (Exception e) when (e is FlotillaApiException or DaemonUnavailableException or HttpRequestException)
            {
                // Not steady yet.
            }

            seen = $"{answering.Count(a => a)} of {Size} nodes answer, {ready} ready";
            if (!answering.All(a => a) || ready != Size)
            {
                steadySince = DateTime.UtcNow;
            }

            await Task.Delay(500);
        }
    }

    public static List<SwarmTask> Running(List<SwarmTask> tasks) =>
        [.. tasks.Where(t => t.Status.State == "running" && t.DesiredState == "running")];

    public async Task<Dictionary<string, string>> NodeIdsAsync()
    {
        using var client = Client();
        return (await client.Nodes.ListAsync()).ToDictionary(n => n.ID, n => n.Description.Hostname);
    }

    /// <summary>Containers of a service that run on a node, as that node's own API sees them.</summary>
    public async Task<int> RunningContainersAsync(int index, string service)
    {
        using var client = Client(index);
        return (await client.Containers.ListAsync()).Count(c => c.State == "running"
            && c.Labels.GetValueOrDefault("com.docker.swarm.service.name") == service);
    }

    public async Task DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.KillAsync();
        }

        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        if (Registry is not null)
        {
            await Registry.DisposeAsync();
        }

        if (Network is not null)
        {
            await Network.DisposeAsync();
        }

        if (Database is not null)
        {
            await Database.DisposeAsync();
        }
    }
}
