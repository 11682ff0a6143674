using Flotilla.Grains.Local;
using Flotilla.Grains.Placement;
using Flotilla.Host.Api;
using Flotilla.Host.Node;
using Flotilla.Host.Persistence;
using Flotilla.Host.Plugins;
using Flotilla.Host.Swarm;
using Flotilla.Plugins;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Flotilla.Host;

/// <summary>Builds and runs one node: Serilog, plugins, the Orleans silo and the HTTP API on a unix socket.</summary>
public static class Daemon
{
    public static async Task<int> RunAsync(string[] args)
    {
        // No appsettings.json is read (the sources are replaced below), so nothing may watch the install directory for
        // it: that watch is an inotify watch on every directory under it.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [.. args, "--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration
            .AddJsonFile("/etc/flotilla/flotillad.json", optional: true)
            .AddEnvironmentVariables("FLOTILLA_")
            .AddCommandLine(args, DaemonOptions.Switches.ToDictionary());

        DaemonOptions options;
        try
        {
            options = DaemonOptions.From(builder.Configuration);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"flotillad: {e.Message}\n\n{DaemonOptions.Usage}");
            return 2;
        }

        Log.Logger = CreateLogger(options);
        try
        {
            Directory.CreateDirectory(options.DataRoot);
            Directory.CreateDirectory(options.RunRoot);
            builder.Host.UseSerilog();
            var app = Build(builder, options);
            // Registry settings are read when first needed; a mistake in them should stop the daemon now instead.
            app.Services.GetRequiredService<Flotilla.Registry.RegistryTransport>();
            await app.RunAsync();
            return 0;
        }
        catch (Exception e)
        {
            Log.Fatal(e, "flotillad failed: {Message}", e.Message);
            return 1;
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    private static WebApplication Build(WebApplicationBuilder builder, DaemonOptions options)
    {
        var node = new NodeContext(options.NodeName, options.DataRoot, options.RunRoot, options.DefaultRuntime);
        var catalog = LoadPlugins(builder.Configuration, options);

        var stateDb = Path.Combine(options.DataRoot, "state.db");
        SqliteGrainStorageSchema.EnsureCreated(stateDb);
        var swarm = SwarmConfig.Load(options.DataRoot);
        SwarmCertificates? certificates = null;
        if (swarm is not null)
        {
            ClusterSchema.EnsureAsync(swarm.DataStore, CancellationToken.None).GetAwaiter().GetResult();
            certificates = SwarmCertificates.Load(options.DataRoot);
        }

        var services = builder.Services;
        services.ConfigureHttpJsonOptions(o =>
        {
            // Docker's wire format: PascalCase names as the models spell them, no nulls.
            o.SerializerOptions.PropertyNamingPolicy = null;
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, Flotilla.Client.Models.FlotillaJsonContext.Default);
        });
        services.AddSingleton(options);
        services.AddSingleton(node);
        services.AddSingleton(catalog);
        services.AddSingleton<ContainerEvents>();
        services.AddSingleton<ContainerStreamHub>();
        services.AddSingleton<ExitWatcher>();
        services.AddSingleton<MountResolver>();
        services.AddFlotillaImages(options.DataRoot);
        services.AddSingleton<ExecSessions>();
        services.AddSingleton<Containers>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, NodeStartup>();
        services.AddSingleton<IImageSource, RegistryImageSource>();
        services.AddSingleton<TaskAgent>();
        services.AddSingleton<Flotilla.Grains.Services.CreationBudget>();
        services.AddSingleton<Flotilla.Grains.Swarm.NodeDirectory>();
        services.AddSingleton<OverlaySync>();
        services.AddSingleton(sp => new SwarmContext(swarm, sp.GetRequiredService<IGrainFactory>(), node, options.SwarmPort, certificates));
        services.AddSingleton<DaemonRestart>();
        if (swarm is not null)
        {
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SwarmStartup>();
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, MembershipWatcher>();
            services.AddSingleton(certificates!);
            services.AddHostedService<CertificateRenewal>();
        }

        builder.UseOrleans(silo =>
        {
            silo.Configure<SiloOptions>(o => o.SiloName = options.NodeName);
            silo.Services.AddSingleton<GrainStateFormat>();
            silo.Services.AddSingleton(new SqliteStateStore(stateDb));
            // A node's own grains (its containers) keep their state on the node, so they never wait on the cluster
            // database; what belongs to the swarm (nodes, services, tasks) lives in the cluster's store.
            silo.Services.AddKeyedSingleton<IGrainStorage>("state", (sp, _) => Storage(sp, sp.GetRequiredService<SqliteStateStore>()));
            if (swarm is null)
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: "flotilla", clusterId: "flotilla-" + options.NodeName);
                // One node: the swarm's grains are the node's too, in the same database.
                silo.Services.AddKeyedSingleton<IGrainStorage>("cluster", (sp, _) => sp.GetRequiredKeyedService<IGrainStorage>("state"));
            }
            else
            {
                ConfigureSwarm(silo, swarm, options);
                SwarmTls.Configure(silo, certificates!);
            }

            silo.Services.AddPlacementDirector<NodePlacementStrategy, NodePlacementDirector>();
            // The plugin contracts know nothing of Orleans: those that travel between silos (a node's overlay plan)
            // go as JSON.
            silo.Services.AddSerializer(s => s.AddJsonSerializer(isSupported: type => type.Namespace == typeof(Flotilla.Plugins.OverlayPlan).Namespace));
        });

        PrepareSocket(options.Socket);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(options.Socket, listen => listen.Use(HalfCloseConnection.Middleware).Use(UpgradeWithBody.Middleware));
            if (swarm is not null)
            {
                // Other nodes join through this port: it answers only the admission call (see SwarmEndpoints).
                k.Listen(System.Net.IPAddress.Parse(swarm.AdvertiseAddress), options.SwarmPort, listen => SwarmTls.Configure(listen, certificates!));
            }

            k.AddServerHeader = false;
        });

        var app = builder.Build();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            // Root only, like docker.sock: whoever can talk to it can run anything as root.
            File.SetUnixFileMode(options.Socket, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            Log.Information("API listening on unix://{Socket}", options.Socket);
        });
        app.MapFlotillaApi();
        return app;
    }

    private static void ConfigureSwarm(ISiloBuilder silo, SwarmConfig swarm, DaemonOptions options)
    {
        var dataStore = ClusterSchema.ForProviders(swarm.DataStore);
        silo.Services.AddSingleton<IFatalErrorHandler, RejoinAfterEviction>();
        silo.AddIncomingGrainCallFilter<DatabaseErrors>();
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = swarm.ClusterId;
            o.ServiceId = "flotilla";
        });
        silo.ConfigureEndpoints(System.Net.IPAddress.Parse(swarm.AdvertiseAddress), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = ClusterSchema.Invariant;
            o.ConnectionString = dataStore;
        });
        silo.Services.AddSingleton(new PostgresStateStore(NpgsqlDataSource.Create(dataStore)));
        silo.Services.AddKeyedSingleton<IGrainStorage>("cluster", (sp, _) => Storage(sp, sp.GetRequiredService<PostgresStateStore>()));
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = ClusterSchema.Invariant;
            o.ConnectionString = dataStore;
        });
        // Declare a dead node dead within a couple of seconds (Orleans' defaults take 10-13 s): probe every second,
        // two missed probes and one vote suffice. The price: a node that stalls for ~2 s (a long GC pause, a
        // saturated link) is declared dead too and its tasks move; it rejoins as a new silo when it recovers.
        // --probe-timeout trades the one for the other.
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = options.ProbeTimeout;
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
            o.EnableConnectionLivenessCheck = false;
            o.ExtendProbeTimeoutDuringDegradation = false;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
            o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(Math.Max(10, 4 * options.ProbeTimeout.TotalSeconds));
        });
    }

    private static BatchingGrainStorage Storage(IServiceProvider services, IStateStore store) =>
        new(store, services.GetRequiredService<GrainStateFormat>(), services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId);

    private static PluginCatalog LoadPlugins(IConfiguration configuration, DaemonOptions options)
    {
        using var loggerFactory = new Serilog.Extensions.Logging.SerilogLoggerFactory(Log.Logger);
        var catalog = new PluginCatalog();
        var loader = new PluginLoader(loggerFactory.CreateLogger<PluginLoader>());
        var pluginLogs = new Serilog.Extensions.Logging.SerilogLoggerFactory(Log.Logger);
        foreach (var plugin in loader.LoadAll(options.PluginsDirectory))
        {
            var settings = configuration.GetSection("Plugins:" + plugin.Name).AsEnumerable(makePathsRelative: true)
                .Where(kv => kv.Value is not null)
                .ToDictionary(kv => kv.Key, kv => kv.Value);
            plugin.Register(catalog, new PluginContext(options.DataRoot, options.RunRoot, settings, pluginLogs));
        }

        if (catalog.AvailableRuntimes.Count == 0)
        {
            throw new InvalidOperationException($"No container runtime plugin was found in {options.PluginsDirectory}.");
        }

        return catalog;
    }

    private static void PrepareSocket(string socket)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(socket)!);
        if (!File.Exists(socket))
        {
            return;
        }

        // A socket that answers belongs to a daemon that is still running: never steal it.
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        try
        {
            probe.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(socket));
            throw new InvalidOperationException($"Another flotillad is already serving {socket}. Stop it first, or pass --socket.");
        }
        catch (System.Net.Sockets.SocketException)
        {
            File.Delete(socket);
        }
    }

    private static Serilog.ILogger CreateLogger(DaemonOptions options)
    {
        var level = Enum.TryParse<LogEventLevel>(options.LogLevel, ignoreCase: true, out var l) ? l : LogEventLevel.Information;
        return new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Orleans", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Polly", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("Node", options.NodeName)
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose,
                outputTemplate: "{Timestamp:HH:mm:ss.fff} {Level:u3} {Message:lj}{NewLine}{Exception}")
            .WriteTo.File(new CompactJsonFormatter(), Path.Combine(options.DataRoot, "logs", "flotillad-.json"),
                rollingInterval: RollingInterval.Day, retainedFileCountLimit: 7, fileSizeLimitBytes: 64 * 1024 * 1024, rollOnFileSizeLimit: true)
            .CreateLogger();
    }
}
