// Drives the control-plane simulation against running flotillad silos (bench/control-plane/run starts them):
// admits simulated nodes through a manager's swarm port (each hosted by one of the real nodes), creates services
// through the SDK, and measures how fast their tasks are placed and running.
// Usage: control-plane-driver SOCKET SWARM_ADDR DATABASE HOSTS NODES SERVICES REPLICAS
using System.Diagnostics;
using System.Net.Http.Json;
using Flotilla.Client;
using Flotilla.Client.Models;
using Npgsql;

if (args.Length != 7)
{
    Console.Error.WriteLine("usage: control-plane-driver SOCKET SWARM_ADDR DATABASE HOST[,HOST…] NODES SERVICES REPLICAS");
    return 2;
}

var (socket, swarmAddress, database, hosts) = (args[0], args[1], args[2], args[3].Split(','));
var (nodeCount, serviceCount, replicas) = (int.Parse(args[4]), int.Parse(args[5]), int.Parse(args[6]));
var total = serviceCount * replicas;
var client = new FlotillaClient(new FlotillaClientOptions { Host = "unix://" + socket });
var progress = !Console.IsErrorRedirected;

// 1. Simulated nodes: admitted with the worker token, as a joining node is, each hosted by a real node.
var token = (await client.Swarm.InspectAsync()).JoinTokens.Worker;
// The swarm port is TLS with the swarm's own CA. Simulated nodes run no silo and get no certificate; the bench talks to
// its own manager on this machine, so it does not pin the CA as a joining node does.
using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { Timeout = TimeSpan.FromSeconds(60) };
var admitClock = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(1, nodeCount), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
{
    var answer = await http.PostAsJsonAsync($"https://{swarmAddress}/swarm/admit", new SwarmAdmitRequest
    {
        JoinToken = token,
        NodeName = $"sim{i:D4}",
        Address = "127.0.0.1",
        Cpus = 8,
        MemoryBytes = 32L << 30,
        Runtimes = ["null"],
        HostedBy = hosts[i % hosts.Length],
    }, FlotillaJsonContext.Default.SwarmAdmitRequest, ct);
    if (!answer.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"admitting sim{i:D4}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync(ct)}");
    }
});
var nodes = await client.Nodes.ListAsync();
Console.WriteLine($"nodes: {nodes.Count} ({nodes.Count(n => n.Status.State == "ready")} ready), {nodeCount} simulated admitted in {admitClock.Elapsed.TotalSeconds:F1} s");

// 2. Services, CREATE_CONCURRENCY (8) at a time (service create answers at once; the orchestrator then creates and
// places the tasks, as swarm's does).
await using var db = NpgsqlDataSource.Create(database);
var createLatencies = new List<double>();
var clock = Stopwatch.StartNew();
var start = DateTimeOffset.UtcNow;
var concurrency = int.Parse(Environment.GetEnvironmentVariable("CREATE_CONCURRENCY") ?? "8");
var creating = Parallel.ForEachAsync(Enumerable.Range(1, serviceCount), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
{
    var t = Stopwatch.StartNew();
    try
    {
        await client.Services.CreateAsync(new ServiceSpec
    {
        Name = $"cp{i:D3}",
        Mode = new ServiceModeSpec { Replicated = new ReplicatedService { Replicas = replicas } },
        // No network: the simulation measures the control plane, not 100 namespaces per simulated node on one bridge.
        TaskTemplate = new TaskSpec
        {
            Runtime = "null", ContainerSpec = new ContainerSpec { Image = "busybox:latest", Command = ["sleep", "infinity"] },
            Networks = [new NetworkAttachmentConfig { Target = "none" }],
        },
    }, ct);
    }
    catch (FlotillaApiException e) when (e.Message.Contains("did not answer in time", StringComparison.Ordinal))
    {
        // The API gave up waiting (Orleans' 30 s response timeout); the service grain carries on regardless.
        Console.Error.WriteLine($"service cp{i:D3}: create answered late ({e.Message[..60]}…); it goes on");
        lock (createLatencies)
        {
            createLatencies.Add(t.Elapsed.TotalMilliseconds);
        }

        return;
    }

    lock (createLatencies)
    {
        createLatencies.Add(t.Elapsed.TotalMilliseconds);
    }
});

// 3. Placed: a task grain is first written once the scheduler placed it, already assigned (or pending when no node
// suits it, which never happens here: every node suits every task, and every task ends up running). Read from the
// cluster database, which costs the silos nothing.
double? placedAt = null, runningAt = null, createdAt = null;
var lastReport = TimeSpan.Zero;
var deadline = TimeSpan.FromMinutes(double.Parse(Environment.GetEnvironmentVariable("BENCH_TIMEOUT_MINUTES") ?? "30"));
while (runningAt is null && clock.Elapsed < deadline)
{
    await Task.Delay(500);
    await using var cmd = db.CreateCommand(
        "SELECT count(*) FROM OrleansStorage WHERE GrainTypeString = 'task' AND PayloadBinary IS NOT NULL");
    var placed = (long)(await cmd.ExecuteScalarAsync())!;
    if (creating.IsCompleted && createdAt is null)
    {
        await creating;
        createdAt = clock.Elapsed.TotalSeconds;
    }

    if (placedAt is null && placed >= total)
    {
        placedAt = clock.Elapsed.TotalSeconds;
    }

    long running = 0;
    if (placedAt is not null || clock.Elapsed - lastReport > TimeSpan.FromSeconds(5))
    {
        running = (await client.Services.ListAsync()).Sum(s => s.ServiceStatus?.RunningTasks ?? 0);
        if (running >= total)
        {
            runningAt = clock.Elapsed.TotalSeconds;
        }

        lastReport = clock.Elapsed;
        var line = $"{clock.Elapsed.TotalSeconds,6:F1} s: {placed} placed, {running} running";
        if (progress)
        {
            Console.Error.WriteLine(line);
        }
    }
}

if (runningAt is null)
{
    Console.WriteLine($"timed out after {deadline.TotalMinutes} min (placed in {placedAt?.ToString("F1") ?? "-"} s)");
}

// 4. Per task, from its own timestamps: creation by the orchestrator → running reported by its node.
var delays = new List<double>();
foreach (var id in (await client.Services.ListAsync()).Select(s => s.ID))
{
    delays.AddRange((await client.Services.TasksAsync(id))
        .Where(t => t.Status.State == "running")
        .Select(t => (t.Status.Timestamp - t.CreatedAt).TotalMilliseconds));
}

delays.Sort();
createLatencies.Sort();
double Pct(List<double> xs, double p) => xs.Count == 0 ? double.NaN : xs[Math.Min(xs.Count - 1, (int)(p * xs.Count))];
Console.WriteLine($"RESULT silos={hosts.Length} nodes={nodeCount} services={serviceCount} replicas={replicas} tasks={total} " +
                  $"created_s={createdAt:F1} placed_s={placedAt:F1} running_s={runningAt:F1} " +
                  $"placed_per_s={(placedAt is { } p ? total / p : double.NaN):F0} running_per_s={(runningAt is { } r ? total / r : double.NaN):F0} " +
                  $"task_p50_ms={Pct(delays, 0.5):F0} task_p99_ms={Pct(delays, 0.99):F0} " +
                  $"create_call_p50_ms={Pct(createLatencies, 0.5):F0} create_call_p99_ms={Pct(createLatencies, 0.99):F0}");
return runningAt is null ? 1 : 0;
