using Flotilla.Client.Models;

namespace Flotilla.Client;

/// <summary>/swarm/…: form a swarm, join one, leave it, read and rotate its join tokens.</summary>
public sealed class SwarmClient
{
    private readonly Transport _transport;

    internal SwarmClient(Transport transport) => _transport = transport;

    /// <summary>Makes this node the first manager of a new swarm. The daemon restarts into swarm mode: wait for it with
    /// <see cref="WaitUntilActiveAsync"/>.</summary>
    public async Task<string> InitAsync(SwarmInitRequest request, CancellationToken ct = default)
    {
        using var response = await _transport.SendAsync(HttpMethod.Post, "swarm/init", Transport.Json(request, FlotillaJsonContext.Default.SwarmInitRequest), ct);
        return (await response.Content.ReadAsStringAsync(ct)).Trim().Trim('"');
    }

    /// <summary>Joins the swarm of the manager in <c>RemoteAddrs</c>; the daemon restarts into it.</summary>
    public async Task JoinAsync(SwarmJoinRequest request, CancellationToken ct = default)
    {
        using var _ = await _transport.SendAsync(HttpMethod.Post, "swarm/join", Transport.Json(request, FlotillaJsonContext.Default.SwarmJoinRequest), ct);
    }

    public Task LeaveAsync(bool force = false, CancellationToken ct = default) =>
        _transport.SendAsync(HttpMethod.Post, $"swarm/leave?force={(force ? 1 : 0)}", ct);

    public Task<SwarmInspect> InspectAsync(CancellationToken ct = default) =>
        _transport.GetJsonAsync("swarm", FlotillaJsonContext.Default.SwarmInspect, ct);

    public Task RotateTokenAsync(bool worker, bool manager, CancellationToken ct = default) =>
        _transport.SendAsync(HttpMethod.Post, $"swarm/update?rotateWorkerToken={worker}&rotateManagerToken={manager}", ct);

    /// <summary>Sets how long node certificates are valid (docker's <c>swarm update --cert-expiry</c>); nodes renew at about half of it.</summary>
    public Task SetNodeCertExpiryAsync(TimeSpan expiry, CancellationToken ct = default) =>
        _transport.SendAsync(HttpMethod.Post, $"swarm/update?nodeCertExpiry={expiry.Ticks * 100}", ct);

    /// <summary>Waits until the daemon is back after init/join/leave and its swarm state is settled (or times out).</summary>
    public async Task<SwarmLocalInfo> WaitUntilSettledAsync(bool inSwarm, TimeSpan timeout, CancellationToken ct = default)
    {
        var system = new SystemClient(_transport);
        var deadline = DateTime.UtcNow + timeout;
        string last = "the daemon did not answer";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var info = (await system.InfoAsync(ct)).Swarm;
                if (inSwarm ? info.LocalNodeState == "active" : info.LocalNodeState == "inactive")
                {
                    return info;
                }

                last = info.Error is { Length: > 0 } e ? e : $"swarm state {info.LocalNodeState}";
            }
            catch (DaemonUnavailableException)
            {
            }

            await Task.Delay(200, ct);
        }

        throw new TimeoutException($"The node did not settle in its swarm within {timeout.TotalSeconds:0} s ({last}). See the daemon's log.");
    }

    public Task<SwarmLocalInfo> WaitUntilActiveAsync(CancellationToken ct = default) => WaitUntilSettledAsync(true, TimeSpan.FromSeconds(60), ct);
}
