using Microsoft.Extensions.Configuration;

namespace Flotilla.Host;

/// <summary>flotillad's settings. Each comes from the command line (--data-root …), FLOTILLA_* environment
/// variables or /etc/flotilla/flotillad.json, in that order of precedence.</summary>
public sealed record DaemonOptions
{
    public string DataRoot { get; init; } = "/var/lib/flotilla";
    public string RunRoot { get; init; } = "/run/flotilla";
    public string Socket { get; init; } = "/run/flotilla/flotilla.sock";
    public string NodeName { get; init; } = Environment.MachineName;
    public int SiloPort { get; init; } = 11111;
    public int GatewayPort { get; init; } = 30000;
    public string PluginsDirectory { get; init; } = Path.Combine(AppContext.BaseDirectory, "plugins");
    public string DefaultRuntime { get; init; } = "linux";
    public string LogLevel { get; init; } = "Information";
    /// <summary>PostgreSQL connection string a swarm started here (<c>swarm init</c>) keeps its state in.</summary>
    public string? ClusterDatabase { get; init; }
    /// <summary>The address other nodes reach this one at (its silo and the swarm port listen there).</summary>
    public string? AdvertiseAddress { get; init; }
    public int SwarmPort { get; init; } = 2377;
    /// <summary>How long a silo waits for another's answer to a liveness probe; two missed probes declare it dead.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    public static readonly IReadOnlyDictionary<string, string> Switches = new Dictionary<string, string>
    {
        ["--data-root"] = "data-root",
        ["--run-root"] = "run-root",
        ["--socket"] = "socket",
        ["-H"] = "socket",
        ["--node-name"] = "node-name",
        ["--silo-port"] = "silo-port",
        ["--gateway-port"] = "gateway-port",
        ["--plugins-dir"] = "plugins-dir",
        ["--default-runtime"] = "default-runtime",
        ["--log-level"] = "log-level",
        ["--cluster-db"] = "cluster-db",
        ["--advertise-addr"] = "advertise-addr",
        ["--swarm-port"] = "swarm-port",
        ["--probe-timeout"] = "probe-timeout",
    };

    public const string Usage = """
        Usage: flotillad [options]

        Runs a Flotilla node: an Orleans silo, the plugins and the API on a unix socket.

          --data-root DIR        persistent state: images, volumes, containers (default /var/lib/flotilla)
          --run-root DIR         volatile state: sockets, runtime state (default /run/flotilla)
          --socket PATH          API socket (default /run/flotilla/flotilla.sock)
          --node-name NAME       this node's name (default: the host name)
          --silo-port N          Orleans silo port on loopback (default 11111)
          --gateway-port N       Orleans gateway port, 0 for none (default 30000)
          --plugins-dir DIR      where plugins are loaded from (default: beside flotillad)
          --default-runtime NAME runtime for containers that name none (default linux)
          --log-level LEVEL      Verbose, Debug, Information, Warning, Error (default Information)
          --cluster-db CONN      PostgreSQL connection string for a swarm started here (swarm init)
          --advertise-addr IP    address other nodes reach this node at (swarm mode)
          --swarm-port N         port nodes join this one on (default 2377)
          --probe-timeout SECS   swarm mode: a node that misses two liveness probes of SECS each is declared dead
                                 (default 1: a dead node's tasks move within seconds; raise it on a host so busy
                                 that a live node may not answer in time)
          --Plugins:NAME:KEY=V   a plugin setting, e.g. --Plugins:runtime-linux:oci-runtime=runc
        """;

    public static DaemonOptions From(IConfiguration c)
    {
        var d = new DaemonOptions();
        var dataRoot = c["data-root"] ?? d.DataRoot;
        var runRoot = c["run-root"] ?? d.RunRoot;
        return new DaemonOptions
        {
            DataRoot = Path.GetFullPath(dataRoot),
            RunRoot = Path.GetFullPath(runRoot),
            Socket = Path.GetFullPath(c["socket"] ?? Path.Combine(runRoot, "flotilla.sock")),
            NodeName = c["node-name"] ?? d.NodeName,
            SiloPort = Port(c, "silo-port", d.SiloPort),
            GatewayPort = Port(c, "gateway-port", d.GatewayPort),
            PluginsDirectory = c["plugins-dir"] ?? d.PluginsDirectory,
            DefaultRuntime = c["default-runtime"] ?? d.DefaultRuntime,
            LogLevel = c["log-level"] ?? d.LogLevel,
            ClusterDatabase = c["cluster-db"],
            AdvertiseAddress = c["advertise-addr"],
            SwarmPort = Port(c, "swarm-port", d.SwarmPort),
            ProbeTimeout = Seconds(c, "probe-timeout", d.ProbeTimeout),
        };
    }

    private static TimeSpan Seconds(IConfiguration c, string key, TimeSpan fallback) =>
        c[key] is not { } text ? fallback
        : double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) && s is > 0 and <= 300
            ? TimeSpan.FromSeconds(s)
            : throw new ArgumentException($"--{key}: '{text}' is not a number of seconds (more than 0, at most 300).");

    private static int Port(IConfiguration c, string key, int fallback) =>
        c[key] is not { } text ? fallback
        : int.TryParse(text, out var port) && port is >= 0 and <= 65535 ? port
        : throw new ArgumentException($"--{key}: '{text}' is not a port number (0-65535).");
}
