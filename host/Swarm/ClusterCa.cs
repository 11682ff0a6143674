using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Flotilla.Grains.Swarm;

namespace Flotilla.Host.Swarm;

/// <summary>
/// The swarm's own certificate authority, as swarmkit's ca package: a self-signed ECDSA P-256 root made at
/// <c>swarm init</c>, which signs each node's certificate (CN = node id, OU = role, O = cluster id) from the node's
/// certificate request once its join token has been checked. Node keys never leave their node.
/// </summary>
public static class ClusterCa
{
    private static readonly TimeSpan RootValidity = TimeSpan.FromDays(365 * 20);

    /// <summary>Certificates start a little in the past, so clocks slightly behind the manager's accept them (swarmkit backdates too).</summary>
    private static TimeSpan Backdate(TimeSpan validity) => TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(5).Ticks, validity.Ticks / 10));

    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    public static (X509Certificate2 Certificate, ECDsa Key) CreateRoot(string clusterId)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName("flotilla-swarm-ca");
        name.AddOrganizationName(clusterId);
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return (request.CreateSelfSigned(now - Backdate(RootValidity), now + RootValidity), key);
    }

    public static string Digest(X509Certificate2 ca) => JoinToken.Digest(ca.RawData);

    /// <summary>A new key for this node and the request a manager signs (its subject is the manager's to decide).</summary>
    public static (ECDsa Key, string CsrPem) NewRequest()
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=flotilla-node", key, HashAlgorithmName.SHA256);
        return (key, request.CreateSigningRequestPem());
    }

    /// <summary>Refuses a certificate signing request that is not one (bad PEM, or not signed by its own key).</summary>
    public static void CheckRequest(string csrPem) => Load(csrPem);

    /// <summary>Signs a node certificate for the key in <paramref name="csrPem"/>; the request's own subject and extensions are ignored.</summary>
    public static X509Certificate2 Sign(X509Certificate2 ca, ECDsa caKey, string csrPem, string nodeId, NodeRole role, string clusterId, TimeSpan validity)
    {
        var asked = Load(csrPem);
        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName(nodeId);
        name.AddOrganizationalUnitName(role == NodeRole.Manager ? "swarm-manager" : "swarm-worker");
        name.AddOrganizationName(clusterId);
        var request = new CertificateRequest(name.Build(), asked.PublicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth, ClientAuth], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var now = DateTimeOffset.UtcNow;
        var notAfter = now + validity;
        if (notAfter > ca.NotAfter)
        {
            notAfter = ca.NotAfter;
        }

        return request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now - Backdate(validity), notAfter, RandomNumberGenerator.GetBytes(16));
    }

    private static CertificateRequest Load(string csrPem)
    {
        try
        {
            return CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw Grains.FlotillaException.Invalid($"The certificate signing request is not valid ({e.Message}): send a PEM \"CERTIFICATE REQUEST\" signed by the node's key.");
        }
    }

    /// <summary>Whether <paramref name="certificate"/> was signed by <paramref name="ca"/> and is valid now (not expired, not yet to come).</summary>
    public static bool Issued(X509Certificate2 ca, X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = DateTime.Now;
        return chain.Build(certificate) && chain.ChainElements[^1].Certificate.RawData.AsSpan().SequenceEqual(ca.RawData);
    }

    /// <summary>The node id (CN) and role (OU) a node certificate names.</summary>
    public static (string NodeId, NodeRole Role) Identity(X509Certificate2 certificate)
    {
        var id = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        var ou = certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .FirstOrDefault(r => r.GetSingleElementType().Value == "2.5.4.11")?.GetSingleElementValue();
        return (id, ou == "swarm-manager" ? NodeRole.Manager : NodeRole.Worker);
    }
}
