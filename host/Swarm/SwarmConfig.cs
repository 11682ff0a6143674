using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flotilla.Host.Swarm;

/// <summary>
/// This node's membership of a swarm, kept in DATA_ROOT/swarm.json (root only: it holds the database password).
/// Without the file the node runs alone; with it, its silo joins the swarm's cluster at start.
/// </summary>
public sealed record SwarmConfig(string ClusterId, string DataStore, string AdvertiseAddress, bool PendingInit = false)
{
    private const string FileName = "swarm.json";

    public static SwarmConfig? Load(string dataRoot)
    {
        var path = Path.Combine(dataRoot, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), SwarmConfigJson.Default.SwarmConfig) : null;
    }

    public void Save(string dataRoot)
    {
        var path = Path.Combine(dataRoot, FileName);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, "");
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, SwarmConfigJson.Default.SwarmConfig));
        File.Move(temporary, path, overwrite: true);
    }

    public static void Delete(string dataRoot) => File.Delete(Path.Combine(dataRoot, FileName));
}

[JsonSerializable(typeof(SwarmConfig))]
internal sealed partial class SwarmConfigJson : JsonSerializerContext;
