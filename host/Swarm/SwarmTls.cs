using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Orleans.Connections.Security;

namespace Flotilla.Host.Swarm;

/// <summary>
/// Mutual TLS between the nodes of a swarm, with the node certificates its CA signed. The certificate a node
/// presents is read at each handshake, so a renewed one is used from the next connection on.
/// </summary>
public static class SwarmTls
{
    /// <summary>Silo to silo (and the silo gateway): both sides present a certificate of this swarm's CA, valid now; nothing else connects.</summary>
    public static void Configure(ISiloBuilder silo, SwarmCertificates certificates) => silo.UseTls(o =>
    {
        // Orleans checks a client certificate is there when it builds its pipeline; the selectors then pick the current one per connection.
        o.LocalCertificate = certificates.Current;
        o.LocalServerCertificateSelector = (_, _) => certificates.Current;
        o.LocalClientCertificateSelector = (_, _, _, _, _) => certificates.Current;
        o.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        o.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        o.RemoteCertificateValidation = (certificate, _, _) => certificates.IsClusterCertificate(certificate);
    });

    /// <summary>
    /// The swarm port: a joining node has no certificate yet (its token admits it), so client certificates are
    /// optional at the handshake, but one that is presented must be this swarm's, and renewal requires one.
    /// </summary>
    public static void Configure(ListenOptions listen, SwarmCertificates certificates) => listen.UseHttps(new HttpsConnectionAdapterOptions
    {
        ServerCertificateSelector = (_, _) => certificates.Current,
        ClientCertificateMode = ClientCertificateMode.AllowCertificate,
        ClientCertificateValidation = (certificate, _, _) => certificates.IsClusterCertificate(certificate),
    });
}
