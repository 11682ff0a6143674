using System.Formats.Tar;
using System.Text;
using System.Text.Json.Nodes;
using Flotilla.Images.Oci;
using Flotilla.Images.Tests;

namespace Flotilla.Registry.Tests;

/// <summary>
/// An image made by the test: layers (plain or gzip), config and manifest as a registry serves them, and the same
/// image as an OCI layout tarball for `image load`.
/// </summary>
public sealed class TestImage
{
    public Dictionary<string, byte[]> Blobs { get; } = new(StringComparer.Ordinal);

    public required byte[] Manifest { get; init; }

    public required string ManifestMediaType { get; init; }

    public string ManifestDigest => TarBuilder.Digest(Manifest);

    public required string ConfigDigest { get; init; }

    public required List<string> LayerDigests { get; init; }

    /// <summary>Layers of the given tarballs (gzipped where asked); a docker schema-2 manifest when <paramref name="docker"/>.</summary>
    public static TestImage Create(IEnumerable<(byte[] Tar, bool Gzip)> layers, bool docker = false, string architecture = "amd64",
        string[]? cmd = null, Func<string, string>? layerMediaType = null, Func<byte[], byte[]>? compress = null)
    {
        var blobs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var diffIds = new JsonArray();
        var layerDescriptors = new JsonArray();
        var layerDigests = new List<string>();
        foreach (var (tar, gzip) in layers)
        {
            var blob = compress?.Invoke(tar) ?? (gzip ? TarBuilder.Gzip(tar) : tar);
            var digest = TarBuilder.Digest(blob);
            blobs[digest] = blob;
            layerDigests.Add(digest);
            diffIds.Add(TarBuilder.Digest(tar));
            var type = docker ? (gzip ? MediaTypes.DockerLayerGzip : "application/vnd.docker.image.rootfs.diff.tar")
                : gzip ? MediaTypes.OciLayerGzip : MediaTypes.OciLayer;
            layerDescriptors.Add(new JsonObject { ["mediaType"] = layerMediaType?.Invoke(type) ?? type, ["digest"] = digest, ["size"] = blob.Length });
        }

        var config = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = architecture,
            ["os"] = "linux",
            ["config"] = new JsonObject { ["Cmd"] = new JsonArray([.. (cmd ?? ["/bin/sh"]).Select(c => (JsonNode)c)]), ["Env"] = new JsonArray("PATH=/bin") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = diffIds },
            ["history"] = new JsonArray(new JsonObject { ["created_by"] = "test layer 1" }),
        }.ToJsonString());
        var configDigest = TarBuilder.Digest(config);
        blobs[configDigest] = config;
        var manifestType = docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest;
        var manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = manifestType,
            ["config"] = new JsonObject { ["mediaType"] = docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig, ["digest"] = configDigest, ["size"] = config.Length },
            ["layers"] = layerDescriptors,
        }.ToJsonString());
        var image = new TestImage { Manifest = manifest, ManifestMediaType = manifestType, ConfigDigest = configDigest, LayerDigests = layerDigests };
        foreach (var (k, v) in blobs)
        {
            image.Blobs[k] = v;
        }

        return image;
    }

    /// <summary>A layer of <paramref name="files"/> small files under /NAME/, each with distinct content.</summary>
    public static byte[] Layer(string name, int files = 3, int size = 1000)
    {
        var tar = new TarBuilder().Dir(name + "/");
        for (var i = 0; i < files; i++)
        {
            var content = new byte[size];
            new Random(HashCode.Combine(name, i)).NextBytes(content);
            tar.File($"{name}/file{i}", content);
        }

        return tar.File($"{name}/hello", $"hello from {name}\n").Build();
    }

    /// <summary>The image as an OCI layout tarball named <paramref name="reference"/>, for `image load`.</summary>
    public byte[] OciLayoutTar(string reference)
    {
        var index = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = ManifestMediaType,
                ["digest"] = ManifestDigest,
                ["size"] = Manifest.Length,
                ["annotations"] = new JsonObject { ["io.containerd.image.name"] = reference },
            }),
        }.ToJsonString());
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            void Add(string name, byte[] data) => writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            Add("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray());
            Add("index.json", index);
            Add("blobs/sha256/" + ManifestDigest[7..], Manifest);
            foreach (var (digest, bytes) in Blobs)
            {
                Add("blobs/sha256/" + digest[7..], bytes);
            }
        }

        return output.ToArray();
    }
}
