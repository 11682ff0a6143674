using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Flotilla.Grains;
using Flotilla.Grains.Swarm;

namespace Flotilla.Host.Swarm;

/// <summary>
/// This node's TLS identity in its swarm, kept in DATA_ROOT/swarm-tls (0700; every file 0600): the cluster CA's
/// certificate (ca.pem), the node's certificate with its key (node.pem, one file so a renewal replaces both at once)
/// and, on managers only, the CA's key (ca-key.pem): workers never get it, and it is not in the cluster database,
/// which every node reads. The node certificate in use is swapped in place when it is renewed, so new connections
/// use the new one without a restart.
/// </summary>
public sealed class SwarmCertificates
{
    private const string DirectoryName = "swarm-tls";
    private const string CaFile = "ca.pem";
    private const string CaKeyFile = "ca-key.pem";
    private const string NodeFile = "node.pem";

    private readonly string _directory;
    private volatile ECDsa? _caKey;
    private volatile X509Certificate2 _node;

    private SwarmCertificates(string directory, X509Certificate2 ca, ECDsa? caKey, X509Certificate2 node)
    {
        _directory = directory;
        Ca = ca;
        _caKey = caKey;
        _node = node;
    }

    public X509Certificate2 Ca { get; }

    /// <summary>This node's certificate (with its key) as of now.</summary>
    public X509Certificate2 Current => _node;

    /// <summary>Managers that hold the CA key sign certificates for joining and renewing nodes.</summary>
    public bool CanSign => _caKey is not null;

    public string CaDigest => ClusterCa.Digest(Ca);

    public static SwarmCertificates Load(string dataRoot)
    {
        var directory = Path.Combine(dataRoot, DirectoryName);
        try
        {
            var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(directory, CaFile)));
            var nodePem = File.ReadAllText(Path.Combine(directory, NodeFile));
            var node = X509Certificate2.CreateFromPem(nodePem, nodePem);
            ECDsa? caKey = null;
            if (File.Exists(Path.Combine(directory, CaKeyFile)))
            {
                caKey = ECDsa.Create();
                caKey.ImportFromPem(File.ReadAllText(Path.Combine(directory, CaKeyFile)));
            }

            return new SwarmCertificates(directory, ca, caKey, node);
        }
        catch (Exception e) when (e is IOException or CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"This node's swarm certificates in {directory} can't be read ({e.Message}). Leave the swarm (remove {Path.Combine(dataRoot, "swarm.json")}) and join it again.", e);
        }
    }

    /// <summary>Writes a node's first certificates: at <c>swarm init</c> (with the CA key) or when it joins.</summary>
    public static void Create(string dataRoot, X509Certificate2 ca, ECDsa? caKey, X509Certificate2 node, ECDsa nodeKey)
    {
        var directory = Path.Combine(dataRoot, DirectoryName);
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        WritePrivate(Path.Combine(directory, CaFile), ca.ExportCertificatePem());
        if (caKey is not null)
        {
            WritePrivate(Path.Combine(directory, CaKeyFile), caKey.ExportPkcs8PrivateKeyPem());
        }
        else
        {
            File.Delete(Path.Combine(directory, CaKeyFile));
        }

        WritePrivate(Path.Combine(directory, NodeFile), NodePem(node, nodeKey));
    }

    public static void Delete(string dataRoot)
    {
        var directory = Path.Combine(dataRoot, DirectoryName);
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Keeps a renewed certificate: on disk first (a restart reuses it), then for new connections. A node that is now a
    /// manager keeps the CA key it was sent (<paramref name="caKeyPem"/>); one that is now a worker drops it.
    /// </summary>
    public void Replace(X509Certificate2 certificate, ECDsa key, string? caKeyPem = null)
    {
        if (!IsClusterCertificate(certificate))
        {
            throw new InvalidOperationException($"The renewed certificate (subject {certificate.Subject}) was not issued by this swarm's CA or is not valid now.");
        }

        var withKey = certificate.CopyWithPrivateKey(key);
        WritePrivate(Path.Combine(_directory, NodeFile), NodePem(certificate, key));
        _node = withKey;
        if (ClusterCa.Identity(certificate).Role == NodeRole.Worker)
        {
            File.Delete(Path.Combine(_directory, CaKeyFile));
            _caKey = null;
        }
        else if (caKeyPem is not null && _caKey is null)
        {
            var caKey = ECDsa.Create();
            caKey.ImportFromPem(caKeyPem);
            WritePrivate(Path.Combine(_directory, CaKeyFile), caKeyPem);
            _caKey = caKey;
        }
    }

    /// <summary>A certificate a peer presents: signed by this swarm's CA and valid now. Nothing else is accepted.</summary>
    public bool IsClusterCertificate(X509Certificate2 certificate) => ClusterCa.Issued(Ca, certificate);

    public X509Certificate2 Sign(string csrPem, string nodeId, NodeRole role, string clusterId, TimeSpan validity) =>
        ClusterCa.Sign(Ca, _caKey ?? throw FlotillaException.Unavailable("This manager does not hold the swarm's CA key, so it can't sign node certificates: ask another manager."),
            csrPem, nodeId, role, clusterId, validity);

    /// <summary>The CA key, for a node that joins as a manager (it travels only inside the TLS connection that admits it).</summary>
    public string? CaKeyPem() => _caKey?.ExportPkcs8PrivateKeyPem();

    private static string NodePem(X509Certificate2 certificate, ECDsa key) => certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n";

    private static void WritePrivate(string path, string text)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, "");
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
