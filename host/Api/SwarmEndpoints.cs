using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Flotilla.Client.Models;
using Flotilla.Grains;
using Flotilla.Grains.Local;
using Flotilla.Grains.Swarm;
using Flotilla.Host.Swarm;

namespace Flotilla.Host.Api;

/// <summary>/swarm/…: init, join (through a manager's swarm port), leave, tokens.</summary>
public static class SwarmEndpoints
{
    public const string AdmitPath = "/swarm/admit";
    public const string CaPath = "/swarm/ca";
    public const string RenewPath = "/swarm/renew";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/swarm/init", InitAsync);
        api.MapPost("/swarm/join", JoinAsync);
        api.MapPost("/swarm/leave", LeaveAsync);
        api.MapGet("/swarm", InspectAsync);
        api.MapPost("/swarm/update", UpdateAsync);
        api.MapPost(AdmitPath, AdmitAsync);
        api.MapGet(CaPath, CaAsync);
        api.MapPost(RenewPath, RenewAsync);
    }

    /// <summary>
    /// The swarm port (TLS) serves other nodes' admission and certificate renewal and nothing else: the full API stays
    /// on the root-only socket.
    /// </summary>
    public static Task OnlyAdmissionOnSwarmPortAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Connection.LocalPort != 0 && context.Request.Path != AdmitPath && context.Request.Path != CaPath && context.Request.Path != RenewPath)
        {
            context.Response.StatusCode = 404;
            return Task.CompletedTask;
        }

        return next(context);
    }

    private static async Task<IResult> InitAsync(SwarmInitRequest body, SwarmContext swarm, DaemonOptions options, DaemonRestart restart, HttpResponse response)
    {
        EnsureNotInSwarm(swarm);
        var dataStore = body.DataStore ?? options.ClusterDatabase
            ?? throw FlotillaException.Invalid("A swarm keeps its state in PostgreSQL: give its connection string with `flotilla swarm init --datastore \"Host=…;Username=…;Password=…;Database=…\"`, or start flotillad with --cluster-db.");
        var address = AdvertiseAddress(body.AdvertiseAddr, options);
        await PrepareDatabaseAsync(dataStore);
        if (await ClusterSchema.HoldsASwarmAsync(dataStore, CancellationToken.None) is { } other)
        {
            throw FlotillaException.Conflict($"The cluster database already holds swarm {other}: a database serves one swarm. Join that swarm with `flotilla swarm join`, or give an empty database to start a new one.");
        }

        var clusterId = SwarmIds.New();
        // The swarm's CA, and this first manager's certificate (its CN becomes the node's id once the swarm has given it one).
        var (ca, caKey) = ClusterCa.CreateRoot(clusterId);
        var (key, csr) = ClusterCa.NewRequest();
        var certificate = ClusterCa.Sign(ca, caKey, csr, swarm.NodeName, NodeRole.Manager, clusterId, SwarmInfo.DefaultNodeCertExpiry);
        SwarmCertificates.Create(options.DataRoot, ca, caKey, certificate, key);
        new SwarmConfig(clusterId, dataStore, address, PendingInit: true).Save(options.DataRoot);
        restart.AfterResponse(response);
        return Results.Json(clusterId);
    }

    private static async Task<IResult> JoinAsync(SwarmJoinRequest body, SwarmContext swarm, DaemonOptions options, PluginCatalog plugins, DaemonRestart restart, HttpResponse response)
    {
        EnsureNotInSwarm(swarm);
        var manager = body.RemoteAddrs.FirstOrDefault()
            ?? throw FlotillaException.Invalid("Give the address of a manager to join: `flotilla swarm join --token TOKEN HOST:PORT`.");
        var pinned = JoinToken.Parse(body.JoinToken)
            ?? throw new FlotillaException(ErrorKind.Unauthorized, "The join token is malformed: a token looks like FLTKN-1-<CA digest>-<secret>. Ask a manager for it with `flotilla swarm join-token worker`.");
        var address = AdvertiseAddress(body.AdvertiseAddr, options);
        var target = manager.Contains(':') ? manager : $"{manager}:{options.SwarmPort}";
        var ca = await ManagerCaAsync(target, pinned.CaDigest);
        var (key, csr) = ClusterCa.NewRequest();
        var me = swarm.Describe(plugins.AvailableRuntimes.Select(r => r.Name), address);
        var request = new SwarmAdmitRequest
        {
            JoinToken = body.JoinToken,
            NodeName = me.Name,
            Address = me.Address,
            Cpus = me.Cpus,
            MemoryBytes = me.MemoryBytes,
            Runtimes = [.. me.Runtimes],
            Csr = csr,
        };

        SwarmAdmitResponse admitted;
        using (var http = SwarmPortClient.Create(ca))
        {
            HttpResponseMessage answer;
            try
            {
                answer = await http.PostAsJsonAsync($"https://{target}{AdmitPath}", request, FlotillaJsonContext.Default.SwarmAdmitRequest);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                throw FlotillaException.Unavailable($"Could not reach the manager at {target}: {e.Message}. Check the address and that its swarm port is open.");
            }

            if (!answer.IsSuccessStatusCode)
            {
                var error = await answer.Content.ReadFromJsonAsync(FlotillaJsonContext.Default.ErrorResponse);
                throw new FlotillaException(answer.StatusCode == System.Net.HttpStatusCode.Unauthorized ? ErrorKind.Unauthorized : ErrorKind.Failed,
                    $"The manager at {target} refused this node: {error?.Message}");
            }

            admitted = (await answer.Content.ReadFromJsonAsync(FlotillaJsonContext.Default.SwarmAdmitResponse))!;
        }

        X509Certificate2? certificate = null;
        try
        {
            certificate = X509Certificate2.CreateFromPem(admitted.Certificate ?? "");
        }
        catch (CryptographicException)
        {
            // Refused just below, as any certificate that is not this node's.
        }

        if (certificate is null || !ClusterCa.Issued(ca, certificate) || !certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            throw FlotillaException.Unavailable($"The manager at {target} answered with a certificate that its CA did not issue for this node's key; this node stays out of the swarm. Try again, or check the manager.");
        }

        ECDsa? caKey = null;
        if (admitted.CaKey is { } caKeyPem)
        {
            caKey = ECDsa.Create();
            caKey.ImportFromPem(caKeyPem);
        }

        await PrepareDatabaseAsync(admitted.DataStore);
        SwarmCertificates.Create(options.DataRoot, ca, caKey, certificate, key);
        new SwarmConfig(admitted.ClusterID, admitted.DataStore, address).Save(options.DataRoot);
        restart.AfterResponse(response);
        return Results.Ok();
    }

    private static async Task<IResult> AdmitAsync(SwarmAdmitRequest body, SwarmContext swarm)
    {
        if (swarm.Config is not { } config || swarm.Certificates is not { } certificates)
        {
            throw FlotillaException.Unavailable("This node is not part of a swarm.");
        }

        var hostedBy = string.IsNullOrEmpty(body.HostedBy) ? null : body.HostedBy;
        if (hostedBy is null)
        {
            // Checked before the node is admitted, so a request that can't be signed changes nothing.
            ClusterCa.CheckRequest(body.Csr ?? throw FlotillaException.Invalid("A joining node sends a certificate signing request (Csr) for its key: update flotillad on the joining node."));
            if (!certificates.CanSign)
            {
                throw FlotillaException.Unavailable("This manager does not hold the swarm's CA key, so it can't sign the joining node's certificate: join through another manager.");
            }
        }

        var node = new Flotilla.Grains.Swarm.NodeDescription(body.NodeName, body.Address, body.Cpus, body.MemoryBytes, [.. body.Runtimes], HostedBy: hostedBy);
        var grain = swarm.Grains.GetGrain<ISwarmGrain>("swarm");
        var record = await grain.AdmitAsync(body.JoinToken, node);
        var answer = new SwarmAdmitResponse
        {
            ClusterID = config.ClusterId,
            DataStore = config.DataStore,
            Role = record.Role.ToString().ToLowerInvariant(),
            NodeID = record.Id,
            CaCertificate = certificates.Ca.ExportCertificatePem(),
        };
        if (hostedBy is null)
        {
            var expiry = (await grain.GetAsync())?.NodeCertExpiry ?? SwarmInfo.DefaultNodeCertExpiry;
            answer.Certificate = certificates.Sign(body.Csr!, record.Id, record.Role, config.ClusterId, expiry).ExportCertificatePem();
            answer.CaKey = record.Role == NodeRole.Manager ? certificates.CaKeyPem() : null;
        }

        return Results.Json(answer, FlotillaJsonContext.Default.SwarmAdmitResponse);
    }

    /// <summary>The swarm's CA certificate: a joining node reads it first and checks it against its token's digest.</summary>
    private static IResult CaAsync(SwarmContext swarm) =>
        swarm.Certificates is { } certificates
            ? Results.Text(certificates.Ca.ExportCertificatePem(), "application/x-pem-file")
            : throw FlotillaException.Unavailable("This node is not part of a swarm.");

    /// <summary>
    /// A member renews its certificate: it proves who it is with the certificate it has (checked against the CA when
    /// the TLS connection was made), and gets one for the same node id with the role the swarm now gives it (and, if
    /// that is manager, the CA key).
    /// </summary>
    private static async Task<IResult> RenewAsync(SwarmRenewRequest body, HttpContext context, SwarmContext swarm)
    {
        if (swarm.Config is not { } config || swarm.Certificates is not { } certificates)
        {
            throw FlotillaException.Unavailable("This node is not part of a swarm.");
        }

        var presented = context.Connection.ClientCertificate;
        if (presented is null || !certificates.IsClusterCertificate(presented))
        {
            throw new FlotillaException(ErrorKind.Unauthorized, "Renewing a node certificate takes the node's current, unexpired certificate of this swarm. A node whose certificate expired leaves the swarm and joins again with a token.");
        }

        ClusterCa.CheckRequest(body.Csr);
        var (nodeId, _) = ClusterCa.Identity(presented);
        NodeView member;
        try
        {
            member = await swarm.Grains.GetGrain<INodeRegistryGrain>("nodes").GetAsync(nodeId);
        }
        catch (FlotillaException e) when (e.Kind == ErrorKind.NotFound)
        {
            throw new FlotillaException(ErrorKind.Unauthorized, $"Node {nodeId} is no longer a member of this swarm, so its certificate is not renewed. Join again with a token.");
        }

        var expiry = (await swarm.Grains.GetGrain<ISwarmGrain>("swarm").GetAsync())?.NodeCertExpiry ?? SwarmInfo.DefaultNodeCertExpiry;
        var certificate = certificates.Sign(body.Csr, member.Record.Id, member.Record.Role, config.ClusterId, expiry);
        return Results.Json(new SwarmRenewResponse
        {
            Certificate = certificate.ExportCertificatePem(),
            CaKey = member.Record.Role == NodeRole.Manager ? certificates.CaKeyPem() : null,
        }, FlotillaJsonContext.Default.SwarmRenewResponse);
    }

    /// <summary>
    /// Reads the manager's CA certificate and checks it against the digest the join token carries, as swarmkit does:
    /// nothing is trusted on first use, and the secret goes only to a manager that proves it holds that CA.
    /// </summary>
    private static async Task<X509Certificate2> ManagerCaAsync(string target, string expectedDigest)
    {
        string pem;
        using (var http = SwarmPortClient.BeforeTrust())
        {
            try
            {
                pem = await http.GetStringAsync($"https://{target}{CaPath}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                throw FlotillaException.Unavailable($"Could not reach the manager at {target} over TLS: {e.Message}. Check the address and that its swarm port is open.");
            }
        }

        X509Certificate2 ca;
        try
        {
            ca = X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw FlotillaException.Unavailable($"The manager at {target} did not send a CA certificate ({e.Message}); is that a Flotilla manager's swarm port?");
        }

        var digest = ClusterCa.Digest(ca);
        if (digest != expectedDigest)
        {
            throw new FlotillaException(ErrorKind.Unauthorized,
                $"The join token's CA digest ({expectedDigest}) does not match the CA of the manager at {target} ({digest}): the token belongs to another swarm, or something between this node and {target} poses as the manager. Check the address, and ask a manager of the swarm you mean for its token with `flotilla swarm join-token worker`.");
        }

        return ca;
    }

    private static async Task<IResult> LeaveAsync(HttpRequest request, SwarmContext swarm, DaemonOptions options, TaskAgent agent, DaemonRestart restart, HttpResponse response)
    {
        if (swarm.Config is null)
        {
            throw FlotillaException.Unavailable("This node is not part of a swarm.");
        }

        var registry = swarm.Grains.GetGrain<INodeRegistryGrain>("nodes");
        var self = await registry.GetAsync(swarm.NodeName);
        if (self.Record.Role == NodeRole.Manager && !Query.Bool(request, "force"))
        {
            throw FlotillaException.Unavailable("You are attempting to leave the swarm on a node that is participating as a manager. Removing this node leaves the remaining managers to run the swarm; if it is the last one, the swarm's services stop being managed. Use `--force` to ignore this message.");
        }

        await registry.LeaveAsync(swarm.NodeName);
        await swarm.Grains.GetGrain<Flotilla.Grains.Scheduling.ISchedulerGrain>("scheduler").NodeChangedAsync(swarm.NodeName);
        await agent.StopAllAsync();
        SwarmConfig.Delete(options.DataRoot);
        SwarmCertificates.Delete(options.DataRoot);
        restart.AfterResponse(response);
        return Results.Ok();
    }

    private static async Task<IResult> InspectAsync(SwarmContext swarm)
    {
        await swarm.EnsureManagerAsync();
        var info = await swarm.Grains.GetGrain<ISwarmGrain>("swarm").GetAsync()
            ?? throw FlotillaException.Unavailable("The swarm is still being initialised; try again in a moment.");
        return Results.Json(SwarmViews.Swarm(info), FlotillaJsonContext.Default.SwarmInspect);
    }

    private static async Task<IResult> UpdateAsync(HttpRequest request, SwarmContext swarm)
    {
        await swarm.EnsureManagerAsync();
        var grain = swarm.Grains.GetGrain<ISwarmGrain>("swarm");
        if (Query.Bool(request, "rotateWorkerToken"))
        {
            await grain.RotateTokenAsync(NodeRole.Worker);
        }

        if (Query.Bool(request, "rotateManagerToken"))
        {
            await grain.RotateTokenAsync(NodeRole.Manager);
        }

        if (request.Query["nodeCertExpiry"].FirstOrDefault() is { } expiry)
        {
            await grain.SetNodeCertExpiryAsync(long.TryParse(expiry, out var ns) && ns > 0
                ? TimeSpan.FromTicks(ns / 100)
                : throw FlotillaException.Invalid($"nodeCertExpiry: '{expiry}' is not a duration in nanoseconds."));
        }

        return Results.Ok();
    }

    private static void EnsureNotInSwarm(SwarmContext swarm)
    {
        if (swarm.Active)
        {
            throw FlotillaException.Unavailable("This node is already part of a swarm. Use \"flotilla swarm leave\" to leave this swarm and join another one.");
        }
    }

    private static string AdvertiseAddress(string? requested, DaemonOptions options)
    {
        var text = requested ?? options.AdvertiseAddress
            ?? throw FlotillaException.Invalid("Give the address other nodes reach this one at: --advertise-addr IP (or start flotillad with --advertise-addr).");
        var host = text.Contains(':') && !text.StartsWith('[') ? text[..text.LastIndexOf(':')] : text;
        return System.Net.IPAddress.TryParse(host, out var ip)
            ? ip.ToString()
            : throw FlotillaException.Invalid($"--advertise-addr: '{text}' is not an IP address.");
    }

    private static async Task PrepareDatabaseAsync(string dataStore)
    {
        try
        {
            await ClusterSchema.EnsureAsync(dataStore, CancellationToken.None);
        }
        catch (ClusterDatabaseException e)
        {
            throw FlotillaException.Unavailable(e.Message);
        }
    }
}
