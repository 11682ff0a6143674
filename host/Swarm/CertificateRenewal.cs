using System.Security.Cryptography.X509Certificates;
using Flotilla.Client.Models;
using Flotilla.Grains.Swarm;

namespace Flotilla.Host.Swarm;

/// <summary>
/// Renews this node's certificate without a restart: at a random point between 50% and 80% of its life (swarmkit's
/// window, so nodes that joined together do not all ask at once), and soon after the swarm changes the node's role
/// (its certificate names the role; a promoted node gets the CA key, a demoted one drops it). A manager that holds
/// the CA key signs its own; other nodes ask a ready manager over mutual TLS. New connections use the new
/// certificate; open ones go on.
/// </summary>
public sealed class CertificateRenewal(SwarmContext swarm, SwarmCertificates certificates, ILogger<CertificateRenewal> logger) : BackgroundService
{
    /// <summary>How often the node compares the role its certificate names with the swarm's.</summary>
    private static readonly TimeSpan RoleCheckInterval = TimeSpan.FromSeconds(5);

    private readonly double _lifeFraction = 0.5 + (Random.Shared.NextDouble() * 0.3);

    private INodeRegistryGrain Registry => swarm.Grains.GetGrain<INodeRegistryGrain>("nodes");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var current = certificates.Current;
            var due = current.NotBefore.ToUniversalTime() + ((current.NotAfter - current.NotBefore) * _lifeFraction);
            try
            {
                var wait = due - DateTime.UtcNow;
                await Task.Delay(wait < RoleCheckInterval ? (wait > TimeSpan.Zero ? wait : TimeSpan.Zero) : RoleCheckInterval, stoppingToken);
                string? why = DateTime.UtcNow >= due ? "it is past its renewal time" : await RoleChangedAsync(current);
                if (why is null)
                {
                    continue;
                }

                await RenewAsync(stoppingToken);
                logger.LogInformation("Renewed this node's swarm certificate ({Why}); it is valid until {NotAfter:u}, as {Subject}",
                    why, certificates.Current.NotAfter.ToUniversalTime(), certificates.Current.Subject);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning("Could not renew this node's swarm certificate (valid until {NotAfter:u}): {Message}; retrying",
                    current.NotAfter.ToUniversalTime(), e.Message);
                await Task.Delay(RoleCheckInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Why the certificate must change now that the swarm gives this node another role; null while it matches (or the swarm can't say yet).</summary>
    private async Task<string?> RoleChangedAsync(X509Certificate2 current)
    {
        NodeRole role;
        try
        {
            role = (await Registry.GetAsync(swarm.NodeName)).Record.Role;
        }
        catch (Exception e)
        {
            // The silo is still starting, or the database is away: the next check asks again.
            logger.LogDebug("Could not read this node's role: {Message}", e.Message);
            return null;
        }

        return role != ClusterCa.Identity(current).Role ? $"the node is now a {role.ToString().ToLowerInvariant()}" : null;
    }

    private async Task RenewAsync(CancellationToken ct)
    {
        var config = swarm.Config!;
        var (key, csr) = ClusterCa.NewRequest();
        if (certificates.CanSign)
        {
            var self = (await Registry.GetAsync(swarm.NodeName)).Record;
            var expiry = (await swarm.Grains.GetGrain<ISwarmGrain>("swarm").GetAsync())?.NodeCertExpiry ?? SwarmInfo.DefaultNodeCertExpiry;
            certificates.Replace(certificates.Sign(csr, self.Id, self.Role, config.ClusterId, expiry), key);
            return;
        }

        var managers = (await Registry.ListAsync()).Where(n => n.Record.Role == NodeRole.Manager && n.Ready && n.Name != swarm.NodeName)
            .Select(n => $"{n.Record.Description.Address}:{n.Record.Description.SwarmPort}").ToList();
        var failures = new List<string>();
        foreach (var manager in managers)
        {
            try
            {
                using var http = SwarmPortClient.Create(certificates.Ca, certificates.Current);
                using var answer = await http.PostAsJsonAsync($"https://{manager}{Api.SwarmEndpoints.RenewPath}", new SwarmRenewRequest { Csr = csr },
                    FlotillaJsonContext.Default.SwarmRenewRequest, ct);
                if (!answer.IsSuccessStatusCode)
                {
                    failures.Add($"{manager}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync(ct)}");
                    continue;
                }

                var renewed = (await answer.Content.ReadFromJsonAsync(FlotillaJsonContext.Default.SwarmRenewResponse, ct))!;
                certificates.Replace(X509Certificate2.CreateFromPem(renewed.Certificate), key, renewed.CaKey);
                return;
            }
            catch (HttpRequestException e)
            {
                failures.Add($"{manager}: {e.Message}");
            }
        }

        throw new InvalidOperationException(managers.Count == 0 ? "no other manager is ready" : string.Join("; ", failures));
    }
}
