using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flotilla.Images.Tests;

/// <summary>Image archives as docker and OCI tools write them, built from layer tarballs.</summary>
public static class Archives
{
    public static readonly byte[] BusyboxBinary = File.ReadAllBytes("/bin/busybox");

    /// <summary>A small root filesystem around Debian's static busybox: links, a device node, owners, modes.</summary>
    public static TarBuilder BusyboxRootfs() => new TarBuilder()
        .Dir("./")
        .Dir("bin/")
        .File("bin/busybox", BusyboxBinary, mode: 0x1ed)
        .Symlink("bin/sh", "busybox")
        .Symlink("bin/ls", "/bin/busybox")
        .HardLink("bin/busybox-hardlink", "bin/busybox")
        .Dir("etc/")
        .File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n")
        .Dir("home/")
        .Dir("home/user/", mode: 0x1e8 /* 0750 */, uid: 1000, gid: 1000)
        .File("home/user/secret", "mine", mode: 0x1a0 /* 0640 */, uid: 1000, gid: 1000)
        .Dir("tmp/", mode: 0x3ff /* 1777 */)
        .Dir("dev/")
        .CharDevice("dev/null", 1, 3)
        .Fifo("dev/fifo");

    /// <summary>A `docker save` tarball: manifest.json, ID.json config, one directory per layer with layer.tar.</summary>
    /// <param name="layers">Layer tarballs, lowest first, as they go in the archive (gzipped ones too).</param>
    /// <param name="diffIds">Digests of the uncompressed layers.</param>
    public static byte[] DockerSave(IReadOnlyList<byte[]> layers, IReadOnlyList<string> diffIds, string[] repoTags, string[]? cmd = null)
    {
        var config = Config(diffIds, cmd);
        var configHex = TarBuilder.Digest(config)[7..];
        var tar = new TarBuilder();
        var layerNames = new List<string>();
        var seen = new Dictionary<string, string>();
        for (var i = 0; i < layers.Count; i++)
        {
            var dir = TarBuilder.Digest(Encoding.UTF8.GetBytes($"layer{i}"))[7..];
            var layerDigest = TarBuilder.Digest(layers[i]);
            tar.Dir(dir + "/");
            if (seen.TryGetValue(layerDigest, out var first))
            {
                tar.Symlink(dir + "/layer.tar", $"../{first}/layer.tar"); // how docker save writes a repeated layer
            }
            else
            {
                tar.File(dir + "/layer.tar", layers[i]);
                seen[layerDigest] = dir;
            }

            tar.File(dir + "/VERSION", "1.0");
            layerNames.Add(dir + "/layer.tar");
        }

        tar.File(configHex + ".json", config);
        var manifest = new JsonArray(new JsonObject
        {
            ["Config"] = configHex + ".json",
            ["RepoTags"] = new JsonArray([.. repoTags.Select(t => JsonValue.Create(t))]),
            ["Layers"] = new JsonArray([.. layerNames.Select(l => JsonValue.Create(l))]),
        });
        tar.File("manifest.json", manifest.ToJsonString());
        return tar.Build();
    }

    /// <summary>
    /// An OCI image layout tarball whose index.json holds a multi-platform index (linux/arm64 first, then
    /// linux/amd64), named by containerd's annotation.
    /// </summary>
    public static (byte[] Tarball, string ManifestDigest, string ConfigDigest) OciLayout(IReadOnlyList<byte[]> layers, IReadOnlyList<string> diffIds, string name)
    {
        var blobs = new Dictionary<string, byte[]>();
        string Add(byte[] data)
        {
            var digest = TarBuilder.Digest(data);
            blobs[digest] = data;
            return digest;
        }

        var config = Config(diffIds, ["/bin/sh"]);
        var configDigest = Add(config);
        var manifest = Json(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", configDigest, config.Length),
            ["layers"] = new JsonArray([.. layers.Select(l => Descriptor(
                l[0] == 0x1f ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar",
                Add(l), l.Length))]),
        });
        var manifestDigest = Add(manifest);
        var otherConfig = Config(["sha256:" + new string('0', 64)], null, "arm64");
        var otherManifest = Json(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", Add(otherConfig), otherConfig.Length),
            ["layers"] = new JsonArray(),
        });
        var otherDigest = Add(otherManifest);
        var platformIndex = Json(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["manifests"] = new JsonArray(
                Descriptor("application/vnd.oci.image.manifest.v1+json", otherDigest, otherManifest.Length, "arm64"),
                Descriptor("application/vnd.oci.image.manifest.v1+json", manifestDigest, manifest.Length, "amd64")),
        });
        var platformIndexDigest = Add(platformIndex);
        var top = Descriptor("application/vnd.oci.image.index.v1+json", platformIndexDigest, platformIndex.Length);
        top["annotations"] = new JsonObject
        {
            ["io.containerd.image.name"] = name,
            ["org.opencontainers.image.ref.name"] = name[(name.LastIndexOf(':') + 1)..],
        };
        var index = Json(new JsonObject { ["schemaVersion"] = 2, ["manifests"] = new JsonArray(top) });

        var tar = new TarBuilder().File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}").File("index.json", index).Dir("blobs/").Dir("blobs/sha256/");
        foreach (var (digest, data) in blobs)
        {
            tar.File("blobs/sha256/" + digest[7..], data);
        }

        return (tar.Build(), manifestDigest, configDigest);
    }

    public static byte[] Config(IReadOnlyList<string> diffIds, string[]? cmd, string architecture = "amd64") => Json(new JsonObject
    {
        ["architecture"] = architecture,
        ["os"] = "linux",
        ["created"] = "2024-01-02T03:04:05.123456789Z",
        ["config"] = new JsonObject
        {
            ["Env"] = new JsonArray("PATH=/bin", "GREETING=hello"),
            ["Cmd"] = cmd is null ? null : new JsonArray([.. cmd.Select(c => JsonValue.Create(c))]),
            ["WorkingDir"] = "/home/user",
            ["User"] = "1000:1000",
            ["ExposedPorts"] = new JsonObject { ["80/tcp"] = new JsonObject() },
            ["Labels"] = new JsonObject { ["org.example.kind"] = "test" },
        },
        ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray([.. diffIds.Select(d => JsonValue.Create(d))]) },
        ["history"] = new JsonArray(new JsonObject { ["created_by"] = "test", ["created"] = "2024-01-02T03:04:05Z" }),
    });

    private static JsonObject Descriptor(string mediaType, string digest, long size, string? architecture = null)
    {
        var descriptor = new JsonObject { ["mediaType"] = mediaType, ["digest"] = digest, ["size"] = size };
        if (architecture is not null)
        {
            descriptor["platform"] = new JsonObject { ["architecture"] = architecture, ["os"] = "linux" };
        }

        return descriptor;
    }

    private static byte[] Json(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());
}
