using Flotilla.Client;
using Flotilla.Client.Models;
using System.Security.Cryptography.X509Certificates;
using Flotilla.Tests.Harness;

namespace Flotilla.Swarm.Tests;

/// <summary>
/// A swarm of three nodes on three network namespaces. The tests run in order on one cluster and each leaves it
/// as it found it: every node up and active.
/// </summary>
[TestCaseOrderer("Flotilla.Swarm.Tests.ByLineOrderer", "Flotilla.Swarm.Tests")]
public sealed class SwarmTests(SwarmCluster cluster) : IClassFixture<SwarmCluster>
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task NodesJoinWithTheTokenAndAWrongTokenIsRefused()
    {
        var nodes = await cluster.Manager.CliAsync("node", "ls", "--format", "json");
        Assert.Equal(0, nodes.ExitCode);
        using (var client = cluster.Client())
        {
            var list = await client.Nodes.ListAsync();
            Assert.Equal(SwarmCluster.Size, list.Count);
            Assert.All(list, n => Assert.Equal("ready", n.Status.State));
            Assert.Single(list, n => n.Spec.Role == "manager");
        }

        // A fourth daemon with a made-up token is turned away and stays on its own.
        await using var stranger = await Daemon.StartAsync(["nsenter", $"--net=/run/netns/{cluster.Network.Namespace(3)}"], "--silo-port", "11112", "--swarm-port", "2378", "--advertise-addr", cluster.Network.Address(3));
        var refused = await stranger.CliAsync("swarm", "join", "--token", "FLTKN-1-nosuchswarm-0000000000000000000000000", cluster.ManagerAddress);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("another swarm", refused.Stderr);
        var token = (await cluster.Manager.CliAsync("swarm", "join-token", "-q", "worker")).Stdout.Trim();
        var joinCommand = await cluster.Manager.CliAsync("swarm", "join-token", "worker");
        Assert.Contains($"flotilla swarm join --token {token} {cluster.ManagerAddress}", joinCommand.Stdout);
        var wrong = await stranger.CliAsync("swarm", "join", "--token", token[..^5] + "zzzzz", cluster.ManagerAddress);
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("not valid", wrong.Stderr);

        // The right secret with another CA's digest: the manager's CA is not the one the token names, so the stranger
        // sends nothing (as swarmkit, it trusts nothing on first use).
        var parts = token.Split('-');
        var otherCa = string.Join('-', parts[0], parts[1], new string('0', parts[2].Length), parts[3]);
        var pinned = await stranger.CliAsync("swarm", "join", "--token", otherCa, cluster.ManagerAddress);
        Assert.NotEqual(0, pinned.ExitCode);
        Assert.Contains("CA digest", pinned.Stderr);
        Assert.Contains("another swarm", pinned.Stderr);

        // A rotated token stops admitting at once.
        var rotated = await cluster.Manager.CliAsync("swarm", "join-token", "--rotate", "-q", "worker");
        Assert.True(rotated.ExitCode == 0, rotated.ToString());
        Assert.NotEqual(token, rotated.Stdout.Trim());
        var old = await stranger.CliAsync("swarm", "join", "--token", token, cluster.ManagerAddress);
        Assert.NotEqual(0, old.ExitCode);
        Assert.Contains("not valid", old.Stderr);
        Assert.False(Directory.Exists(Path.Combine(stranger.DataRoot, "swarm-tls")), "a refused node keeps no swarm certificates");

        // Workers can't manage the swarm.
        var fromWorker = await cluster.Nodes[1].CliAsync("service", "ls");
        Assert.NotEqual(0, fromWorker.ExitCode);
        Assert.Contains("not a swarm manager", fromWorker.Stderr);
    }

    [Fact]
    public async Task SilosAndTheSwarmPortSpeakOnlyMutualTlsWithCertificatesOfTheSwarmsCa()
    {
        // Each node keeps its certificates under its data root, root-only; only managers hold the CA key.
        var managerTls = Path.Combine(cluster.Manager.DataRoot, "swarm-tls");
        var workerTls = Path.Combine(cluster.Nodes[1].DataRoot, "swarm-tls");
        Assert.True(File.Exists(Path.Combine(managerTls, "ca-key.pem")));
        Assert.False(File.Exists(Path.Combine(workerTls, "ca-key.pem")), "a worker must not hold the CA key");
        foreach (var file in Directory.GetFiles(workerTls).Concat(Directory.GetFiles(managerTls)))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(workerTls, "ca.pem")));
        var workerPem = await File.ReadAllTextAsync(Path.Combine(workerTls, "node.pem"));
        var worker = X509Certificate2.CreateFromPem(workerPem, workerPem);
        var ids = await cluster.NodeIdsAsync();
        Assert.Equal(cluster.Nodes[1].Name, ids[worker.GetNameInfo(X509NameType.SimpleName, false)]);
        Assert.Contains("OU=swarm-worker", worker.Subject);

        // The manager's silo presents its certificate (CN its node id, OU its role) and admits a peer of the swarm...
        var silo = $"{cluster.Network.Address(1)}:{cluster.Manager.SiloPort}";
        var accepted = await TlsProbe.ConnectAsync(silo, ca, worker);
        Assert.True(accepted.Accepted, accepted.Detail);
        Assert.Equal(cluster.Manager.Name, ids[accepted.ServerCertificate!.GetNameInfo(X509NameType.SimpleName, false)]);
        Assert.Contains("OU=swarm-manager", accepted.ServerCertificate.Subject);

        // ... but nothing else: no client certificate, or one that looks the same but another CA signed, is cut off.
        var stranger = TlsProbe.SelfSigned(worker.Subject);
        var forged = await TlsProbe.ConnectAsync(silo, ca, stranger);
        Assert.False(forged.Accepted, "a certificate the swarm's CA did not sign was accepted by the silo");
        var anonymous = await TlsProbe.ConnectAsync(silo, ca, null);
        Assert.False(anonymous.Accepted, "the silo accepted a connection without a client certificate");

        // The swarm port is TLS too: renewal needs a certificate of the swarm; a forged one is refused at the handshake.
        var swarmPort = cluster.ManagerAddress;
        Assert.False((await TlsProbe.ConnectAsync(swarmPort, ca, stranger)).Accepted, "the swarm port accepted a forged client certificate");
        using (var http = TlsProbe.Http(ca, null))
        {
            var renew = await http.PostAsync($"https://{swarmPort}/swarm/renew", new StringContent("{\"Csr\":\"x\"}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, renew.StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync($"https://{swarmPort}/containers/json")).StatusCode);
        }

        // Plain HTTP to the swarm port gets no answer from the API.
        using (var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            await Assert.ThrowsAnyAsync<Exception>(() => plain.GetStringAsync($"http://{swarmPort}/swarm/ca"));
        }
    }

    [Fact]
    public async Task ANodesCertificateIsRenewedBeforeItExpiresAndTheNodeStaysInTheSwarm()
    {
        var node = cluster.Nodes[2];
        var tooShort = await cluster.Manager.CliAsync("swarm", "update", "--cert-expiry", "5s");
        Assert.NotEqual(0, tooShort.ExitCode);
        Assert.Contains("at least 10 seconds", tooShort.Stderr);
        var set = await cluster.Manager.CliAsync("swarm", "update", "--cert-expiry", "20s");
        Assert.True(set.ExitCode == 0, set.ToString());
        try
        {
            // The node rejoins, and gets a certificate valid for 20 s.
            Assert.True((await node.CliAsync("swarm", "leave")).ExitCode == 0);
            var token = (await cluster.Manager.CliAsync("swarm", "join-token", "-q", "worker")).Stdout.Trim();
            var joined = await node.CliAsync("swarm", "join", "--token", token, cluster.ManagerAddress);
            Assert.True(joined.ExitCode == 0, joined + await node.ReadLogAsync());
            var first = NodeCertificate(node);
            Assert.InRange(first.NotAfter - DateTime.Now, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(21));

            // Before it expires the node has a new one, and after the first has expired it is still in the swarm,
            // its silo serving new connections with the renewed certificate.
            await WaitAsync(() => Task.FromResult(NodeCertificate(node).SerialNumber != first.SerialNumber), "the node to renew its certificate");
            Assert.True(DateTime.Now < first.NotAfter, "renewed only after expiry");
            while (DateTime.Now < first.NotAfter.AddSeconds(2))
            {
                await Task.Delay(500);
            }

            await cluster.WaitSteadyAsync();
            var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(node.DataRoot, "swarm-tls", "ca.pem")));
            var managerPem = await File.ReadAllTextAsync(Path.Combine(cluster.Manager.DataRoot, "swarm-tls", "node.pem"));
            var probe = await TlsProbe.ConnectAsync($"{cluster.Network.Address(3)}:{node.SiloPort}", ca, X509Certificate2.CreateFromPem(managerPem, managerPem));
            Assert.True(probe.Accepted, probe.Detail);
            Assert.True(probe.ServerCertificate!.NotAfter > first.NotAfter, "the silo still presents its first certificate");
        }
        finally
        {
            await cluster.Manager.CliAsync("swarm", "update", "--cert-expiry", "2160h");
        }

        // Back to the default: the node's next renewal gives it a long-lived certificate again.
        await WaitAsync(() => Task.FromResult(NodeCertificate(node).NotAfter > DateTime.Now.AddDays(1)), "the node to renew with the default validity");
        await cluster.WaitSteadyAsync();
    }

    [Fact]
    public async Task ReplicasSpreadAndAKilledNodesTasksMoveWithoutEverExceedingTheCount()
    {
        var created = await cluster.Manager.CliAsync("service", "create", "--name", "web", "--replicas", "6", "--restart-delay", "0s",
            "--stop-grace-period", "1s", "busybox", "sleep", "3600");
        Assert.True(created.ExitCode == 0, created.ToString());
        try
        {
            var tasks = await cluster.WaitForTasksAsync("web", t => SwarmCluster.Running(t).Count == 6, Converge);
            var perNode = SwarmCluster.Running(tasks).GroupBy(t => t.NodeID).Select(g => g.Count()).ToList();
            Assert.Equal([2, 2, 2], perNode);

            // kill -9 the third node's daemon: its silo stops answering; its six tasks' two go elsewhere.
            var ids = await cluster.NodeIdsAsync();
            var victim = cluster.Nodes[2];
            await victim.KillAsync();
            tasks = await cluster.WaitForTasksAsync("web", t =>
                SwarmCluster.Running(t).Count == 6 && SwarmCluster.Running(t).All(x => ids[x.NodeID] != victim.Name), Converge);
            Assert.Equal(2, tasks.Count(t => t.Status.State == "orphaned"));

            // It comes back: the containers it kept running for the moved tasks are stopped there.
            await victim.StartProcessAsync();
            await WaitAsync(async () => await cluster.RunningContainersAsync(2, "web") == 0, "the returning node to stop its moved tasks");
            Assert.Equal(6, await TotalRunningAsync("web"));
        }
        finally
        {
            await cluster.Manager.CliAsync("service", "rm", "web");
        }
    }

    [Fact]
    public async Task ANodeCutOffFromTheNetworkKeepsItsContainersUntilItReturnsAndTheSwarmMovesItsTasks()
    {
        var created = await cluster.Manager.CliAsync("service", "create", "--name", "cut", "--replicas", "6", "--restart-delay", "0s",
            "--stop-grace-period", "1s", "busybox", "sleep", "3600");
        Assert.True(created.ExitCode == 0, created.ToString());
        var ids = await cluster.NodeIdsAsync();
        var isolated = cluster.Nodes[2];
        try
        {
            await cluster.WaitForTasksAsync("cut", t => SwarmCluster.Running(t).Count == 6, Converge);
            var kept = await cluster.RunningContainersAsync(2, "cut");
            Assert.True(kept > 0, "the third node runs some of the tasks");

            // Pull the third node's cable (its veth on the test bridge): its process lives on, unreachable.
            Assert.Equal(0, (await cluster.Network.SetLinkAsync(3, false)).ExitCode);
            await cluster.WaitForTasksAsync("cut", t =>
                SwarmCluster.Running(t).Count == 6 && SwarmCluster.Running(t).All(x => ids[x.NodeID] != isolated.Name), Converge);
            Assert.Equal(kept, await cluster.RunningContainersAsync(2, "cut"));

            // Back on the network: the swarm evicted it meanwhile, so it rejoins and stops what moved away.
            Assert.Equal(0, (await cluster.Network.SetLinkAsync(3, true)).ExitCode);
            await WaitAsync(async () => await SafeRunningContainersAsync(2, "cut") == 0, "the reconnected node to stop its moved tasks");
            await cluster.WaitSteadyAsync();
            Assert.Equal(6, await TotalRunningAsync("cut"));
        }
        finally
        {
            await cluster.Network.SetLinkAsync(3, true);
            await cluster.WaitSteadyAsync();
            await cluster.Manager.CliAsync("service", "rm", "cut");
        }
    }

    private async Task<int> TotalRunningAsync(string service)
    {
        var total = 0;
        for (var i = 0; i < SwarmCluster.Size; i++)
        {
            total += await cluster.RunningContainersAsync(i, service);
        }

        return total;
    }

    /// <summary>-1 while the node's API is away (it restarts itself when it rejoins).</summary>
    private async Task<int> SafeRunningContainersAsync(int index, string service)
    {
        try
        {
            return await cluster.RunningContainersAsync(index, service);
        }
        catch (Exception e) when (e is DaemonUnavailableException or HttpRequestException or FlotillaApiException)
        {
            return -1;
        }
    }

    [Fact]
    public async Task DrainingANodeMovesItsTasksAway()
    {
        var created = await cluster.Manager.CliAsync("service", "create", "--name", "drained", "--replicas", "3", "--stop-grace-period", "1s", "busybox", "sleep", "3600");
        Assert.True(created.ExitCode == 0, created.ToString());
        var node = cluster.Nodes[1].Name;
        try
        {
            await cluster.WaitForTasksAsync("drained", t => SwarmCluster.Running(t).Count == 3, Converge);
            Assert.Equal(0, (await cluster.Manager.CliAsync("node", "update", "--availability", "drain", node)).ExitCode);
            var ids = await cluster.NodeIdsAsync();
            await cluster.WaitForTasksAsync("drained", t =>
                SwarmCluster.Running(t).Count == 3 && SwarmCluster.Running(t).All(x => ids[x.NodeID] != node), Converge);
            await WaitAsync(async () => await cluster.RunningContainersAsync(1, "drained") == 0, "the drained node to stop its tasks");
        }
        finally
        {
            await cluster.Manager.CliAsync("node", "update", "--availability", "active", node);
            await cluster.Manager.CliAsync("service", "rm", "drained");
        }
    }

    [Fact]
    public async Task AContainerThatExitsIsReplacedByANewTask()
    {
        var created = await cluster.Manager.CliAsync("service", "create", "--name", "crashy", "--replicas", "1", "--restart-delay", "0s",
            "busybox", "sh", "-c", "sleep 1; exit 3");
        Assert.True(created.ExitCode == 0, created.ToString());
        try
        {
            var tasks = await cluster.WaitForTasksAsync("crashy", t => t.Count(x => x.Status.State == "failed") >= 2, Converge);
            var failed = tasks.First(t => t.Status.State == "failed");
            Assert.Equal(3, failed.Status.ContainerStatus?.ExitCode);
            Assert.Contains("non-zero exit (3)", failed.Status.Err);
            Assert.Equal("shutdown", failed.DesiredState);
        }
        finally
        {
            await cluster.Manager.CliAsync("service", "rm", "crashy");
        }
    }

    [Fact]
    public async Task NodesArePromotedAndDemotedAndAReadyNodeIsNotRemoved()
    {
        var second = cluster.Nodes[1];
        var promoted = await cluster.Manager.CliAsync("node", "promote", second.Name);
        Assert.True(promoted.ExitCode == 0, promoted.ToString());
        try
        {
            await WaitAsync(async () => (await second.CliAsync("service", "ls")).ExitCode == 0, "the promoted node to manage the swarm");
            using var client = cluster.Client(1);
            Assert.Equal(2, (await client.Nodes.ListAsync()).Count(n => n.Spec.Role == "manager"));

            // Its certificate follows: renewed as a manager's, with the CA key that lets it sign.
            await WaitAsync(() => Task.FromResult(NodeCertificate(second).Subject.Contains("OU=swarm-manager")
                && File.Exists(Path.Combine(second.DataRoot, "swarm-tls", "ca-key.pem"))), "the promoted node's certificate to name it a manager");
        }
        finally
        {
            var demoted = await cluster.Manager.CliAsync("node", "demote", second.Name);
            Assert.True(demoted.ExitCode == 0, demoted.ToString());
        }

        await WaitAsync(async () => (await second.CliAsync("service", "ls")).Stderr.Contains("not a swarm manager"), "the demoted node to be refused");
        await WaitAsync(() => Task.FromResult(NodeCertificate(second).Subject.Contains("OU=swarm-worker")
            && !File.Exists(Path.Combine(second.DataRoot, "swarm-tls", "ca-key.pem"))), "the demoted node's certificate to name it a worker, without the CA key");
        var alone = await cluster.Manager.CliAsync("node", "demote", cluster.Manager.Name);
        Assert.NotEqual(0, alone.ExitCode);
        Assert.Contains("last manager", alone.Stderr);

        var removeReady = await cluster.Manager.CliAsync("node", "rm", cluster.Nodes[2].Name);
        Assert.NotEqual(0, removeReady.ExitCode);
        Assert.Contains("is not down", removeReady.Stderr);
        using var manager = cluster.Client();
        Assert.Equal(SwarmCluster.Size, (await manager.Nodes.ListAsync()).Count);
    }

    [Fact]
    public async Task AServiceReservingMoreThanAnyNodeHasWaitsWithTheReason()
    {
        var created = await cluster.Manager.CliAsync("service", "create", "--name", "greedy", "--reserve-memory", "64t", "busybox", "sleep", "60");
        Assert.True(created.ExitCode == 0, created.ToString());
        try
        {
            var pending = await cluster.WaitForTasksAsync("greedy", t => t.Any(x => x.Status.State == "pending"), Converge);
            Assert.Contains("insufficient resources: memory", pending[0].Status.Message);
        }
        finally
        {
            await cluster.Manager.CliAsync("service", "rm", "greedy");
        }
    }

    [Fact]
    public async Task EachNodePullsTheServicesImageFromTheRegistryByItself()
    {
        var image = $"{cluster.Registry.Host}/swarm/busybox:1";
        Assert.Equal(0, (await cluster.Manager.CliAsync("tag", "busybox:latest", image)).ExitCode);
        var push = await cluster.Manager.CliAsync("push", image);
        Assert.True(push.ExitCode == 0, push.ToString());
        var created = await cluster.Manager.CliAsync("service", "create", "--name", "pulled", "--replicas", "3", "--stop-grace-period", "1s", image, "sleep", "3600");
        Assert.True(created.ExitCode == 0, created.ToString());
        try
        {
            var tasks = await cluster.WaitForTasksAsync("pulled", t => SwarmCluster.Running(t).Count == 3, Converge);
            Assert.Equal(3, SwarmCluster.Running(tasks).Select(t => t.NodeID).Distinct().Count());
            foreach (var node in cluster.Nodes.Skip(1))
            {
                Assert.Contains($"{cluster.Registry.Host}/swarm/busybox", (await node.CliAsync("images")).Stdout);
            }
        }
        finally
        {
            await cluster.Manager.CliAsync("service", "rm", "pulled");
        }
    }

    [Fact]
    public async Task BadServicesGetClearErrors()
    {
        var negative = await cluster.Manager.CliAsync("service", "create", "--name", "neg", "--replicas", "-1", "busybox", "true");
        Assert.NotEqual(0, negative.ExitCode);
        Assert.Contains("replicas", negative.Stderr);

        var badName = await cluster.Manager.CliAsync("service", "create", "--name", "-not.a.name", "busybox", "true");
        Assert.Contains("invalid service name", badName.Stderr);

        var badConstraint = await cluster.Manager.CliAsync("service", "create", "--name", "bc", "--constraint", "node.colour=red", "busybox", "true");
        Assert.Contains("invalid constraint", badConstraint.Stderr);

        Assert.Equal(0, (await cluster.Manager.CliAsync("service", "create", "--name", "nowhere", "--constraint", "node.labels.zone==mars", "busybox", "sleep", "60")).ExitCode);
        Assert.Equal(0, (await cluster.Manager.CliAsync("service", "create", "--name", "noimage", "127.0.0.1:9/busybox-that-does-not-exist", "true")).ExitCode);
        try
        {
            var duplicate = await cluster.Manager.CliAsync("service", "create", "--name", "nowhere", "busybox", "true");
            Assert.Contains("already exists", duplicate.Stderr);

            var pending = await cluster.WaitForTasksAsync("nowhere", t => t.Any(x => x.Status.State == "pending"), Converge);
            Assert.Contains("no suitable node", pending[0].Status.Message);
            Assert.Contains("node.labels.zone==mars", pending[0].Status.Message);

            var rejected = await cluster.WaitForTasksAsync("noimage", t => t.Any(x => x.Status.State == "rejected"), Converge);
            Assert.Contains("No such image", rejected.First(x => x.Status.State == "rejected").Status.Err);
        }
        finally
        {
            await cluster.Manager.CliAsync("service", "rm", "nowhere", "noimage");
        }
    }

    [Fact]
    public async Task ARollingUpdateToAFailingImageRollsBack()
    {
        var created = await cluster.Manager.CliAsync("service", "create", "--name", "rolling", "--replicas", "2", "--update-parallelism", "1",
            "--update-failure-action", "rollback", "--update-monitor", "1s", "--stop-grace-period", "1s", "busybox", "sleep", "3600");
        Assert.True(created.ExitCode == 0, created.ToString());
        try
        {
            await cluster.WaitForTasksAsync("rolling", t => SwarmCluster.Running(t).Count == 2, Converge);
            Assert.Equal(0, (await cluster.Manager.CliAsync("service", "update", "--image", "127.0.0.1:9/busybox-missing", "rolling")).ExitCode);
            using var client = cluster.Client();
            await WaitAsync(async () => (await client.Services.InspectAsync("rolling")).UpdateStatus?.State == "rollback_completed", "the rollback to complete");
            var service = await client.Services.InspectAsync("rolling");
            Assert.Equal("busybox", service.Spec.TaskTemplate.ContainerSpec.Image);
            await cluster.WaitForTasksAsync("rolling", t => SwarmCluster.Running(t).Count == 2
                && SwarmCluster.Running(t).All(x => x.Spec.ContainerSpec.Image == "busybox"), Converge);
        }
        finally
        {
            await cluster.Manager.CliAsync("service", "rm", "rolling");
        }
    }

    [Fact]
    public async Task AGlobalServiceFollowsNodesLeavingAndJoining()
    {
        var created = await cluster.Manager.CliAsync("service", "create", "--name", "everywhere", "--mode", "global", "--stop-grace-period", "1s", "busybox", "sleep", "3600");
        Assert.True(created.ExitCode == 0, created.ToString());
        var leaver = cluster.Nodes[2];
        try
        {
            await cluster.WaitForTasksAsync("everywhere", t => SwarmCluster.Running(t).Count == 3, Converge);

            var left = await leaver.CliAsync("swarm", "leave");
            Assert.True(left.ExitCode == 0, left.ToString());
            await cluster.WaitForTasksAsync("everywhere", t => SwarmCluster.Running(t).Count == 2, Converge);
            Assert.Equal(0, await cluster.RunningContainersAsync(2, "everywhere"));

            var token = (await cluster.Manager.CliAsync("swarm", "join-token", "-q", "worker")).Stdout.Trim();
            var joined = await leaver.CliAsync("swarm", "join", "--token", token, cluster.ManagerAddress);
            Assert.True(joined.ExitCode == 0, joined.ToString());
            await cluster.WaitForTasksAsync("everywhere", t => SwarmCluster.Running(t).Count == 3, Converge);
        }
        finally
        {
            await cluster.Manager.CliAsync("service", "rm", "everywhere");
        }
    }

    [Fact]
    public async Task AStackDeploysFromABundleAndBadBundlesAreRefused()
    {
        var dir = Path.Combine(cluster.Manager.RunDirectory, "bundles");
        Directory.CreateDirectory(dir);
        var good = Path.Combine(dir, "app.dab");
        await File.WriteAllTextAsync(good, """
            {"Version":"0.1","Services":{
              "api":{"Image":"busybox","Command":["sleep"],"Args":["3600"],"Env":["MODE=api"],"Labels":{"tier":"back"},"WorkingDir":"/tmp",
                     "Ports":[{"Protocol":"tcp","Port":80}],"Networks":["back"]},
              "worker":{"Image":"busybox","Args":["sleep","3600"]}}}
            """);
        var deployed = await cluster.Manager.CliAsync("stack", "deploy", "--bundle-file", good, "shop");
        Assert.True(deployed.ExitCode == 0, deployed.ToString());
        try
        {
            Assert.Contains("shop   2", (await cluster.Manager.CliAsync("stack", "ls")).Stdout);
            await cluster.WaitForTasksAsync("shop_api", t => SwarmCluster.Running(t).Count == 1, Converge);
            await cluster.WaitForTasksAsync("shop_worker", t => SwarmCluster.Running(t).Count == 1, Converge);
            var ps = await cluster.Manager.CliAsync("stack", "ps", "shop");
            Assert.Contains("shop_api.1", ps.Stdout);
            Assert.Contains("shop_worker.1", ps.Stdout);
            using (var client = cluster.Client())
            {
                // As docker's bundle deploy: the stack's networks, and the bundle's port published on one the swarm picks.
                var networks = (await client.Networks.ListAsync()).Select(n => n.Name).ToList();
                Assert.Contains("shop-back", networks);
                Assert.Contains("shop-default", networks);
                var port = Assert.Single((await client.Services.InspectAsync("shop_api")).Endpoint!.Ports);
                Assert.Equal(80, port.TargetPort);
                Assert.InRange(port.PublishedPort, 30000, 32767);
            }

            var unknown = Path.Combine(dir, "unknown.dab");
            await File.WriteAllTextAsync(unknown, """{"Version":"0.1","Services":{"a":{"Image":"busybox","Replicas":3}}}""");
            var refused = await cluster.Manager.CliAsync("stack", "deploy", "--bundle-file", unknown, "bad");
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("Replicas", refused.Stderr);

            var noImage = Path.Combine(dir, "noimage.dab");
            await File.WriteAllTextAsync(noImage, """{"Version":"0.1","Services":{"a":{"Args":["true"]}}}""");
            var missing = await cluster.Manager.CliAsync("stack", "deploy", "--bundle-file", noImage, "bad");
            Assert.Contains("service a has no Image", missing.Stderr);
            Assert.DoesNotContain("bad", (await cluster.Manager.CliAsync("stack", "ls")).Stdout);
        }
        finally
        {
            Assert.Equal(0, (await cluster.Manager.CliAsync("stack", "rm", "shop")).ExitCode);
        }

        Assert.DoesNotContain("shop", (await cluster.Manager.CliAsync("service", "ls")).Stdout);
        Assert.DoesNotContain("shop-", (await cluster.Manager.CliAsync("network", "ls")).Stdout);
    }

    [Fact]
    public async Task ServiceLogsGatherTheOutputOfEveryTaskAcrossNodes()
    {
        var created = await cluster.Manager.CliAsync("service", "create", "--name", "talker", "--replicas", "3", "--stop-grace-period", "1s",
            "busybox", "sh", "-c", "echo hello; echo oops >&2; sleep 3600");
        Assert.True(created.ExitCode == 0, created.ToString());
        try
        {
            await cluster.WaitForTasksAsync("talker", t => SwarmCluster.Running(t).Count == 3, Converge);
            ProcessResult logs = null!;
            await WaitAsync(async () => (logs = await cluster.Manager.CliAsync("service", "logs", "talker")).Stdout.Split('\n').Count(l => l.EndsWith("| hello")) == 3, "three tasks' output");
            foreach (var slot in new[] { 1, 2, 3 })
            {
                Assert.Contains(logs.Stdout.Split('\n'), l => l.StartsWith($"talker.{slot}.") && l.Contains('@') && l.EndsWith("| hello"));
            }

            Assert.Equal(3, logs.Stderr.Split('\n').Count(l => l.EndsWith("| oops")));
        }
        finally
        {
            await cluster.Manager.CliAsync("service", "rm", "talker");
        }
    }

    [Fact]
    public async Task AnOverlayServiceIsFoundByNameBalancedOverItsTasksAndPublishedOnEveryNode()
    {
        var network = await cluster.Manager.CliAsync("network", "create", "--driver", "overlay", "--attachable", "ov");
        Assert.True(network.ExitCode == 0, network.ToString());
        var created = await cluster.Manager.CliAsync("service", "create", "--name", "web", "--replicas", "3", "--network", "ov", "--publish", "8080:80",
            "--restart-delay", "0s", "--stop-grace-period", "1s", "busybox", "sh", "-c", "hostname > /tmp/index.html && exec httpd -f -p 80 -h /tmp");
        Assert.True(created.ExitCode == 0, created.ToString());
        var victim = cluster.Nodes[2];
        var victimDown = false;
        try
        {
            var tasks = SwarmCluster.Running(await cluster.WaitForTasksAsync("web", t => SwarmCluster.Running(t).Count == 3, Converge));
            var hostnames = tasks.Select(t => t.Status.ContainerStatus!.ContainerID[..12]).ToHashSet();
            using (var client = cluster.Client())
            {
                var vip = Assert.Single((await client.Services.InspectAsync("web")).Endpoint!.VirtualIPs);
                Assert.StartsWith("10.255.", vip.Addr);
            }

            // The routing mesh: port 8080 of every node answers, round-robin over all three tasks wherever they run
            // (once each node has heard that the last task runs: within a second).
            for (var n = 1; n <= SwarmCluster.Size; n++)
            {
                var url = $"http://{cluster.Network.Address(n)}:8080/";
                await WaitAsync(async () => hostnames.SetEquals(await GetManyAsync(url, 6)), $"node {n}'s port 8080 to answer from every task");
            }

            // A standalone container on the attachable network: tasks.web lists every task, the service's name is its
            // virtual IP balanced over them, and a task on another node answers to its container's name.
            var ids = await cluster.NodeIdsAsync();
            var remote = tasks.First(t => ids[t.NodeID] != cluster.Manager.Name);
            var remoteName = $"web.{remote.Slot}.{remote.ID}";
            // And a container started on node 2's own bridge network, then connected to the overlay network.
            Assert.Equal(0, (await cluster.Nodes[1].CliAsync("run", "-d", "--name", "lone", "busybox", "sleep", "3600")).ExitCode);
            var connected = await cluster.Nodes[1].CliAsync("network", "connect", "ov", "lone");
            Assert.True(connected.ExitCode == 0, connected.ToString());
            var probe = await cluster.Manager.CliAsync("run", "--rm", "--network", "ov", "busybox", "sh", "-c",
                $"nslookup tasks.web; for i in 1 2 3 4 5 6; do wget -qO- http://web/; done; ping -c 1 -W 3 {remoteName} && ping -c 1 -W 3 lone && echo PING-OK");
            Assert.True(probe.ExitCode == 0, probe.ToString());
            Assert.Equal(0, (await cluster.Nodes[1].CliAsync("network", "disconnect", "ov", "lone")).ExitCode);
            Assert.Equal(0, (await cluster.Nodes[1].CliAsync("rm", "-f", "lone")).ExitCode);
            Assert.Equal(3, probe.Stdout.Split('\n').Count(l => l.StartsWith("Address", StringComparison.Ordinal) && l.Contains("10.0.") && !l.Contains(":53")));
            Assert.True(hostnames.SetEquals(probe.Stdout.Split('\n').Where(hostnames.Contains).ToHashSet()), probe.ToString());
            Assert.Contains("PING-OK", probe.Stdout);

            // Kill a node that runs a task: within seconds every request to the live nodes is answered, never by the lost task.
            var lost = tasks.Single(t => ids[t.NodeID] == victim.Name).Status.ContainerStatus!.ContainerID[..12];
            await victim.KillAsync();
            victimDown = true;
            await WaitAsync(async () =>
            {
                var answers = (await GetManyAsync($"http://{cluster.Network.Address(1)}:8080/", 6, TimeSpan.FromSeconds(1)))
                    .Concat(await GetManyAsync($"http://{cluster.Network.Address(2)}:8080/", 6, TimeSpan.FromSeconds(1))).ToList();
                return answers.Count == 12 && !answers.Contains(lost);
            }, "the mesh to answer every request from live tasks only");
            await victim.StartProcessAsync();
            victimDown = false;
            await cluster.WaitSteadyAsync();

            // The restarted node rebuilds its part of the mesh from the swarm: its port answers from all three tasks.
            var now = SwarmCluster.Running(await cluster.WaitForTasksAsync("web", t => SwarmCluster.Running(t).Count == 3, Converge))
                .Select(t => t.Status.ContainerStatus!.ContainerID[..12]).ToHashSet();
            var restarted = $"http://{cluster.Network.Address(3)}:8080/";
            await WaitAsync(async () => now.SetEquals(await GetManyAsync(restarted, 6)), "the restarted node's port 8080 to answer from every task");
        }
        finally
        {
            if (victimDown)
            {
                await victim.StartProcessAsync();
                await cluster.WaitSteadyAsync();
            }

            Assert.Equal(0, (await cluster.Manager.CliAsync("service", "rm", "web")).ExitCode);
        }

        // Nothing of the service stays: no rule for its port on any node; and the network can go, with its tunnels.
        await WaitAsync(async () => (await Task.WhenAll(Enumerable.Range(1, SwarmCluster.Size).Select(n =>
            Run.ShellAsync($"ip netns exec {cluster.Network.Namespace(n)} nft list ruleset | grep -c 'dport 8080' || true")))).All(r => r.Stdout.Trim() == "0"),
            "the service's rules to go from every node");
        await WaitAsync(async () => (await cluster.Manager.CliAsync("network", "rm", "ov")).ExitCode == 0, "the network to be removable");
        await WaitAsync(async () => (await Task.WhenAll(Enumerable.Range(1, SwarmCluster.Size).Select(n =>
            Run.ShellAsync($"ip -n {cluster.Network.Namespace(n)} -o link show type vxlan")))).All(r => r.Stdout.Trim().Length == 0),
            "the VXLAN devices to go from every node");
    }

    [Fact]
    public async Task AHostModePortAnswersOnlyOnTheNodeRunningTheTask()
    {
        var created = await cluster.Manager.CliAsync("service", "create", "--name", "pinned", "--publish", "published=8081,target=80,mode=host",
            "--stop-grace-period", "1s", "busybox", "sh", "-c", "hostname > /tmp/index.html && exec httpd -f -p 80 -h /tmp");
        Assert.True(created.ExitCode == 0, created.ToString());
        try
        {
            var task = Assert.Single(SwarmCluster.Running(await cluster.WaitForTasksAsync("pinned", t => SwarmCluster.Running(t).Count == 1, Converge)));
            var ids = await cluster.NodeIdsAsync();
            var at = cluster.Nodes.FindIndex(n => n.Name == ids[task.NodeID]) + 1;
            Assert.Equal([task.Status.ContainerStatus!.ContainerID[..12]], await GetManyAsync($"http://{cluster.Network.Address(at)}:8081/", 1));
            var elsewhere = at % SwarmCluster.Size + 1;
            Assert.Empty(await GetManyAsync($"http://{cluster.Network.Address(elsewhere)}:8081/", 1, TimeSpan.FromSeconds(2)));
        }
        finally
        {
            Assert.Equal(0, (await cluster.Manager.CliAsync("service", "rm", "pinned")).ExitCode);
        }
    }

    [Fact]
    public async Task BadOverlayRequestsGetClearErrors()
    {
        Assert.Equal(0, (await cluster.Manager.CliAsync("network", "create", "--driver", "overlay", "--subnet", "10.99.0.0/24", "used")).ExitCode);
        try
        {
            var overlap = await cluster.Manager.CliAsync("network", "create", "--driver", "overlay", "--subnet", "10.99.0.0/16", "other");
            Assert.Contains("overlaps network used", overlap.Stderr);
            var badName = await cluster.Manager.CliAsync("network", "create", "--driver", "overlay", "bad_name");
            Assert.Contains("invalid network name", badName.Stderr);
            var notAttachable = await cluster.Manager.CliAsync("run", "--rm", "--network", "used", "busybox", "true");
            Assert.Contains("not attachable", notAttachable.Stderr);
            Assert.Equal(0, (await cluster.Manager.CliAsync("service", "create", "--name", "holder", "--network", "used", "--publish", "9090:80",
                "--stop-grace-period", "1s", "busybox", "sleep", "3600")).ExitCode);
            var taken = await cluster.Manager.CliAsync("service", "create", "--name", "taker", "--publish", "9090:80", "busybox", "sleep", "3600");
            Assert.Contains("already in use by service 'holder'", taken.Stderr);
            var inUse = await cluster.Manager.CliAsync("network", "rm", "used");
            Assert.Contains("in use by service holder", inUse.Stderr);
            var noSuch = await cluster.Manager.CliAsync("service", "create", "--name", "lost", "--network", "nosuch", "busybox", "true");
            Assert.Contains("network nosuch not found", noSuch.Stderr);
        }
        finally
        {
            await cluster.Manager.CliAsync("service", "rm", "holder");
            await cluster.Manager.CliAsync("network", "rm", "used");
        }
    }

    /// <summary>The bodies (trimmed) of those of <paramref name="count"/> GETs that were answered.</summary>
    private static async Task<List<string>> GetManyAsync(string url, int count, TimeSpan? timeout = null)
    {
        using var http = new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(5) };
        var seen = new List<string>();
        for (var i = 0; i < count; i++)
        {
            try
            {
                // A fresh connection each time: balancing is per connection.
                using var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { ConnectionClose = true } };
                using var response = await http.SendAsync(request);
                seen.Add((await response.Content.ReadAsStringAsync()).Trim());
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
        }

        return seen;
    }

    [Fact]
    public async Task AServiceOnTheKvmRuntimeRunsItsReplicasAsVmsAndHeals()
    {
        var created = await cluster.Manager.CliAsync("service", "create", "--name", "vms", "--replicas", "2", "--runtime", "kvm",
            "--restart-delay", "0s", "--stop-grace-period", "1s", "busybox", "sleep", "3600");
        Assert.True(created.ExitCode == 0, created.ToString());
        try
        {
            var tasks = await cluster.WaitForTasksAsync("vms", t => SwarmCluster.Running(t).Count == 2, TimeSpan.FromSeconds(120));
            using var client = cluster.Client();
            Assert.All(SwarmCluster.Running(tasks), t => Assert.Equal("kvm", t.Spec.Runtime));
            Assert.True((await Run.ShellAsync("pgrep -c '[q]emu-system'")).Stdout.Trim() is var n && int.Parse(n) >= 2, "two VMs run");

            // Kill one task's container (its VM): the service replaces it.
            var victim = SwarmCluster.Running(tasks)[0];
            var ids = await cluster.NodeIdsAsync();
            var node = cluster.Nodes.First(d => d.Name == ids[victim.NodeID]);
            Assert.Equal(0, (await node.CliAsync("kill", victim.Status.ContainerStatus!.ContainerID)).ExitCode);
            await cluster.WaitForTasksAsync("vms", t => SwarmCluster.Running(t).Count == 2 && t.Any(x => x.ID == victim.ID && x.Status.State == "failed"),
                TimeSpan.FromSeconds(120));
        }
        finally
        {
            await cluster.Manager.CliAsync("service", "rm", "vms");
        }

        await WaitAsync(async () => (await Run.ShellAsync($"pgrep -f '[q]emu-system.*{Flotilla.Tests.Harness.Leftovers.BaseDirectory}' || true")).Stdout.Trim().Length == 0,
            "no VM of the service to be left");
    }

    [Fact]
    public async Task StoppingEverySiloLosesNothing()
    {
        var created = await cluster.Manager.CliAsync("service", "create", "--name", "durable", "--replicas", "3", "--stop-grace-period", "1s", "busybox", "sleep", "3600");
        Assert.True(created.ExitCode == 0, created.ToString());
        try
        {
            await cluster.WaitForTasksAsync("durable", t => SwarmCluster.Running(t).Count == 3, Converge);
            foreach (var node in cluster.Nodes)
            {
                await node.KillAsync();
            }

            foreach (var node in cluster.Nodes)
            {
                await node.StartProcessAsync();
            }

            await cluster.WaitForTasksAsync("durable", t => SwarmCluster.Running(t).Count == 3, Converge);
            using var client = cluster.Client();
            Assert.Equal(3, (await client.Nodes.ListAsync()).Count(n => n.Status.State == "ready"));
            Assert.Equal(3, (await client.Services.InspectAsync("durable")).Spec.Mode.Replicated?.Replicas);
        }
        finally
        {
            await cluster.Manager.CliAsync("service", "rm", "durable");
        }
    }

    [Fact]
    public async Task WhileTheDatabaseIsUnreachableContainersKeepRunningAndTheSwarmRecoversByItself()
    {
        var created = await cluster.Manager.CliAsync("service", "create", "--name", "steady", "--replicas", "3", "--stop-grace-period", "1s", "busybox", "sleep", "3600");
        Assert.True(created.ExitCode == 0, created.ToString());
        try
        {
            await cluster.WaitForTasksAsync("steady", t => SwarmCluster.Running(t).Count == 3, Converge);
            // On a loaded machine a node may have been judged dead a moment ago and still hold a moved task's container
            // until it has rejoined: start the outage from a settled swarm.
            await cluster.WaitSteadyAsync();
            await WaitAsync(async () => await TotalRunningAsync("steady") == 3, "three containers of the service, no more");
            Assert.Equal(0, (await cluster.Network.BlockDatabaseAsync(true)).ExitCode);
            try
            {
                var refused = await cluster.Manager.CliAsync("service", "create", "--name", "during-outage", "busybox", "true");
                Assert.NotEqual(0, refused.ExitCode);
                Assert.True(refused.Stderr.Contains("unreachable"), refused.Stderr);
                Assert.Equal(3, await TotalRunningAsync("steady"));
            }
            finally
            {
                await cluster.Network.BlockDatabaseAsync(false);
            }

            foreach (var node in cluster.Nodes)
            {
                // A node the cluster evicted meanwhile restarts itself and rejoins: its API comes back.
                var up = false;
                for (var i = 0; i < 240 && !up; i++)
                {
                    up = (await node.CliAsync("version")).ExitCode == 0;
                    await Task.Delay(up ? 0 : 250);
                }

                Assert.True(up, $"node {node.Name} did not come back after the outage:\n{await node.ReadLogAsync()}");
            }

            await WaitAsync(async () => (await cluster.Manager.CliAsync("service", "ls")).ExitCode == 0, "the swarm to answer again");
            await cluster.WaitForTasksAsync("steady", t => SwarmCluster.Running(t).Count == 3, Converge);
            await cluster.WaitSteadyAsync();
        }
        finally
        {
            await cluster.Manager.CliAsync("service", "rm", "steady", "during-outage");
        }
    }

    private static X509Certificate2 NodeCertificate(Daemon node) =>
        X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(node.DataRoot, "swarm-tls", "node.pem")));

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Converge;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"Timed out waiting for {what}.");
    }
}
