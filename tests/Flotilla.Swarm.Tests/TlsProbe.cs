using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Flotilla.Swarm.Tests;

/// <summary>
/// Opens a TLS connection to a node's silo or swarm port as a peer would, presenting a chosen client certificate,
/// and tells whether the node kept it open. With TLS 1.3 a server that refuses the client's certificate says so only
/// after the handshake, so the probe then reads: a close or an alert is a refusal, data or silence is acceptance.
/// </summary>
public static class TlsProbe
{
    public sealed record Result(bool Accepted, X509Certificate2? ServerCertificate, string Detail);

    public static async Task<Result> ConnectAsync(string endpoint, X509Certificate2 ca, X509Certificate2? client)
    {
        var colon = endpoint.LastIndexOf(':');
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint[..colon], int.Parse(endpoint[(colon + 1)..]));
        X509Certificate2? server = null;
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            server = certificate is null ? null : new X509Certificate2(certificate);
            return server is not null && IssuedBy(ca, server);
        }, (_, _, _, _, _) => client!);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "flotilla-node" });
            using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            var read = await tls.ReadAsync(new byte[1], quiet.Token);
            return new Result(read > 0, server, read > 0 ? "the node spoke first" : "the node closed the connection");
        }
        catch (OperationCanceledException)
        {
            return new Result(true, server, "the node kept the connection open");
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            return new Result(false, server, e.Message);
        }
    }

    public static HttpClient Http(X509Certificate2 ca, X509Certificate2? client)
    {
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && IssuedBy(ca, certificate) };
        if (client is not null)
        {
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
            handler.ClientCertificates.Add(client);
        }

        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(15) };
    }

    /// <summary>A certificate with the same subject as a node's, but signed by nobody the swarm knows.</summary>
    public static X509Certificate2 SelfSigned(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
    }

    private static bool IssuedBy(X509Certificate2 ca, X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
