using Flotilla.Grains.Swarm;

namespace Flotilla.Host.Swarm;

/// <summary>
/// Renews this node's certificate before it expires, without a restart: at a random point between 50% and 80% of its
/// life (swarmkit's window, so nodes that joined together do not all ask at once), from a manager over mutual TLS, or
/// by signing it itself when this node holds the CA key. New connections use the new certificate; open ones go on.
/// </summary>
public sealed class CertificateRenewal(SwarmContext swarm, SwarmCertificates certificates, ILogger<CertificateRenewal> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(3);

    private readonly double _lifeFraction = 0.5 + (Random.Shared.NextDouble() * 0.3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var current = certificates.Current;
            var due = current.NotBefore.ToUniversalTime() + ((current.NotAfter - current.NotBefore) * _lifeFraction);
            var wait = due - DateTime.UtcNow;
            try
            {
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait < TimeSpan.FromHours(1) ? wait : TimeSpan.FromHours(1), stoppingToken);
                    continue;
                }

                await RenewAsync(stoppingToken);
                logger.LogInformation("Renewed this node's swarm certificate; it is valid until {NotAfter:u}", certificates.Current.NotAfter.ToUniversalTime());
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning("Could not renew this node's swarm certificate (valid until {NotAfter:u}): {Message}; retrying",
                    current.NotAfter.ToUniversalTime(), e.Message);
                await Task.Delay(RetryDelay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task RenewAsync(CancellationToken ct)
    {
        var config = swarm.Config!;
        var (key, csr) = ClusterCa.NewRequest();
        var registry = swarm.Grains.GetGrain<INodeRegistryGrain>("nodes");
        if (certificates.CanSign)
        {
            var self = (await registry.GetAsync(swarm.NodeName)).Record;
            var expiry = (await swarm.Grains.GetGrain<ISwarmGrain>("swarm").GetAsync())?.NodeCertExpiry ?? SwarmInfo.DefaultNodeCertExpiry;
            certificates.Replace(certificates.Sign(csr, self.Id, self.Role, config.ClusterId, expiry), key);
            return;
        }

        var managers = (await registry.ListAsync()).Where(n => n.Record.Role == NodeRole.Manager && n.Ready && n.Name != swarm.NodeName)
            .Select(n => $"{n.Record.Description.Address}:{n.Record.Description.SwarmPort}").ToList();
        var failures = new List<string>();
        foreach (var manager in managers)
        {
            try
            {
                using var http = SwarmPortClient.Create(certificates.Ca, certificates.Current);
                using var answer = await http.PostAsJsonAsync($"https://{manager}{Api.SwarmEndpoints.RenewPath}", new Client.Models.SwarmRenewRequest { Csr = csr },
                    Client.Models.FlotillaJsonContext.Default.SwarmRenewRequest, ct);
                if (!answer.IsSuccessStatusCode)
                {
                    failures.Add($"{manager}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync(ct)}");
                    continue;
                }

                var renewed = await answer.Content.ReadFromJsonAsync(Client.Models.FlotillaJsonContext.Default.SwarmRenewResponse, ct);
                certificates.Replace(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(renewed!.Certificate), key);
                return;
            }
            catch (HttpRequestException e)
            {
                failures.Add($"{manager}: {e.Message}");
            }
        }

        throw new InvalidOperationException(managers.Count == 0 ? "no manager is ready" : string.Join("; ", failures));
    }
}
