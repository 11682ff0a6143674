using Flotilla.Tests.Harness;

namespace Flotilla.Swarm.Tests;

/// <summary>
/// A bridge with one network namespace per node, each with its own address in a per-run /24 of 10.231.0.0/16
/// (the range scripts/postgres admits). Names carry the per-run prefix so that a crashed run's leftovers are found
/// and removed by the next one.
/// </summary>
public sealed class TestNetwork : IAsyncDisposable
{
    public const string Prefix = "fsw";

    private TestNetwork(string id, int subnet)
    {
        Id = id;
        Subnet = subnet;
    }

    public string Id { get; }

    public int Subnet { get; }

    public string Bridge => $"{Prefix}{Id}br";

    public string Gateway => $"10.231.{Subnet}.1";

    public string Namespace(int node) => $"{Prefix}{Id}n{node}";

    public string Address(int node) => $"10.231.{Subnet}.{10 + node}";

    public string[] Launcher(int node) => ["nsenter", $"--net=/run/netns/{Namespace(node)}"];

    public static async Task<TestNetwork> CreateAsync(int nodes)
    {
        await SweepAsync();
        var used = (await Run.ShellAsync("ip -4 -o addr show | grep -o '10\\.231\\.[0-9]*' || true")).Stdout;
        // A random free /24, so that two runs starting at once (two checkouts) don't take the same one.
        var free = Enumerable.Range(2, 240).Where(n => !used.Contains($"10.231.{n}.")).ToList();
        var subnet = free[Random.Shared.Next(free.Count)];
        var network = new TestNetwork(Guid.NewGuid().ToString("N")[..6], subnet);
        var script = $"""
            set -e
            ip link add {network.Bridge} type bridge
            ip addr add {network.Gateway}/24 dev {network.Bridge}
            ip link set {network.Bridge} up
            """;
        for (var n = 1; n <= nodes; n++)
        {
            script += $"""

                ip netns add {network.Namespace(n)}
                ip link add {network.Bridge}v{n} type veth peer name eth0 netns {network.Namespace(n)}
                ip link set {network.Bridge}v{n} master {network.Bridge} up
                ip -n {network.Namespace(n)} addr add {network.Address(n)}/24 dev eth0
                ip -n {network.Namespace(n)} link set eth0 up
                ip -n {network.Namespace(n)} link set lo up
                """;
        }

        var made = await Run.ShellAsync(script);
        if (made.ExitCode != 0)
        {
            await network.DisposeAsync();
            throw new InvalidOperationException($"Could not build the test network: {made}");
        }

        return network;
    }

    /// <summary>Cuts a node off the network (its link goes down) or puts it back.</summary>
    public Task<ProcessResult> SetLinkAsync(int node, bool up) =>
        Run.ShellAsync($"ip link set {Bridge}v{node} {(up ? "up" : "down")}");

    /// <summary>Cuts (or restores) the nodes' way to PostgreSQL, with a table of this run's own.</summary>
    public Task<ProcessResult> BlockDatabaseAsync(bool block) => Run.ShellAsync(block
        ? $"nft add table inet {Bridge} && nft add chain inet {Bridge} input '{{ type filter hook input priority 0; }}' && nft add rule inet {Bridge} input iifname {Bridge} tcp dport 5432 drop"
        : $"nft delete table inet {Bridge} 2>/dev/null || true");

    public async ValueTask DisposeAsync() => await Run.ShellAsync(
        $"nft delete table inet {Bridge} 2>/dev/null; for ns in $(ip netns list | awk '{{print $1}}' | grep '^{Prefix}{Id}'); do ip netns del $ns; done; ip link del {Bridge} 2>/dev/null || true");

    /// <summary>Namespaces and bridges of runs whose test process is gone.</summary>
    private static async Task SweepAsync()
    {
        var stale = await Run.ShellAsync($"ls /run/netns 2>/dev/null | grep '^{Prefix}' || true");
        foreach (var ns in stale.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // A namespace with a live process belongs to a run still going on (tests of another checkout).
            if ((await Run.ShellAsync($"ip netns pids {ns}")).Stdout.Trim().Length == 0)
            {
                await Run.ShellAsync($"ip netns del {ns}");
            }
        }

        var bridges = await Run.ShellAsync($"ip -o link show type bridge | awk -F': ' '{{print $2}}' | grep '^{Prefix}' || true");
        foreach (var bridge in bridges.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var id = bridge.Trim()[Prefix.Length..^2];
            if ((await Run.ShellAsync($"ls /run/netns | grep '^{Prefix}{id}' || true")).Stdout.Trim().Length == 0)
            {
                await Run.ShellAsync($"ip link del {bridge.Trim()}; nft delete table inet {bridge.Trim()} 2>/dev/null || true");
            }
        }
    }
}
