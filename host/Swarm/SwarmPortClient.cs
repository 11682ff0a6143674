using System.Security.Cryptography.X509Certificates;

namespace Flotilla.Host.Swarm;

/// <summary>
/// HTTPS to another node's swarm port. The manager must prove it holds a certificate of the swarm's CA
/// (<paramref name="ca"/>, pinned by the join token's digest or kept since joining); after joining, this node
/// presents its own certificate.
/// </summary>
public static class SwarmPortClient
{
    public static HttpClient Create(X509Certificate2 ca, X509Certificate2? clientCertificate = null)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && ClusterCa.Issued(ca, certificate),
        };
        if (clientCertificate is not null)
        {
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
            handler.ClientCertificates.Add(clientCertificate);
        }

        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(15) };
    }

    /// <summary>
    /// Only to read the manager's CA certificate before joining, which the caller then checks against the token's
    /// digest: nothing secret goes over this connection, so its server certificate can't be checked yet.
    /// </summary>
    public static HttpClient BeforeTrust() => new(new HttpClientHandler
    {
        ServerCertificateCustomValidationCallback = (_, _, _, _) => true,
    }) { Timeout = TimeSpan.FromSeconds(15) };
}
