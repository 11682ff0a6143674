using System.Text;
using System.Text.Json.Nodes;
using Flotilla.Client.Models;

namespace Flotilla.Cli.Registry;

/// <summary>
/// Registry credentials per registry, in docker's config.json "auths" format ({"auths":{"HOST":{"auth":
/// base64("user:password")}}}) at ~/.flotilla/config.json, readable by its owner only (0600 in a 0700
/// directory). ~/.docker/config.json is read too, so a `docker login` is honoured.
/// </summary>
public sealed class CredentialStore(string home)
{
    // docker keeps Docker Hub under this key; other registries under host[:port].
    public const string DockerHubKey = "https://index.docker.io/v1/";

    public static CredentialStore ForCurrentUser() =>
        new(Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    public string Path => System.IO.Path.Combine(home, ".flotilla", "config.json");

    private string DockerPath => System.IO.Path.Combine(home, ".docker", "config.json");

    /// <summary>The registry of an image reference, as docker splits it: the first component when it looks like a host.</summary>
    public static string RegistryOf(string reference)
    {
        var slash = reference.IndexOf('/');
        if (slash < 0)
        {
            return "docker.io";
        }

        var first = reference[..slash];
        return first == "localhost" || first.Contains('.') || first.Contains(':') ? (first == "index.docker.io" ? "docker.io" : first) : "docker.io";
    }

    /// <summary>"https://host:5000/v2/", "host:5000", "docker.io" → the key credentials are kept under.</summary>
    public static string KeyOf(string? server)
    {
        var s = (server ?? "").Trim();
        if (s.Length == 0 || s is "docker.io" or "index.docker.io" or "registry-1.docker.io" || s.Contains("index.docker.io", StringComparison.Ordinal))
        {
            return DockerHubKey;
        }

        if (s.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(s, UriKind.Absolute, out var uri))
        {
            s = uri.Authority;
        }

        return s.Split('/')[0];
    }

    /// <summary>Credentials for a registry: ours first, then docker's; null when there are none.</summary>
    public AuthConfig? Find(string registry)
    {
        var key = KeyOf(registry);
        foreach (var path in new[] { Path, DockerPath })
        {
            if (Read(path)?["auths"]?[key]?["auth"]?.GetValue<string>() is { Length: > 0 } encoded)
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
                var colon = pair.IndexOf(':');
                return new AuthConfig
                {
                    Username = colon < 0 ? pair : pair[..colon],
                    Password = colon < 0 ? "" : pair[(colon + 1)..],
                    ServerAddress = key,
                };
            }
        }

        return null;
    }

    public void Save(string registry, string username, string password)
    {
        var config = Read(Path) ?? new JsonObject();
        var auths = config["auths"] as JsonObject ?? new JsonObject();
        config["auths"] = auths;
        auths[KeyOf(registry)] = new JsonObject { ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}")) };
        Write(config);
    }

    /// <summary>Forgets a registry's credentials; false when there were none.</summary>
    public bool Remove(string registry)
    {
        var config = Read(Path);
        if (config?["auths"] is not JsonObject auths || !auths.Remove(KeyOf(registry)))
        {
            return false;
        }

        Write(config);
        return true;
    }

    private void Write(JsonNode config)
    {
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Written beside and renamed: a crash never leaves half a file, and the secret is never readable by others.
        var temp = Path + ".tmp";
        using (var file = new FileStream(temp, new FileStreamOptions
               {
                   Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
               }))
        {
            file.Write(Encoding.UTF8.GetBytes(config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n"));
        }

        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, Path, overwrite: true);
    }

    private static JsonNode? Read(string path)
    {
        try
        {
            return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new IOException($"{path} is not valid JSON ({e.Message}); fix or remove it");
        }
    }
}
