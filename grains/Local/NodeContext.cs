namespace Flotilla.Grains.Local;

/// <summary>Facts about the node this silo runs on.</summary>
/// <param name="NodeName">The node's name; also the silo's name, which is how node-placed grains find it.</param>
/// <param name="DataRoot">Persistent root (images, volumes, container files, state database).</param>
/// <param name="RunRoot">Volatile root (sockets, runtime state).</param>
/// <param name="DefaultRuntime">The runtime used when a container names none.</param>
public sealed record NodeContext(string NodeName, string DataRoot, string RunRoot, string DefaultRuntime)
{
    public string ContainerDirectory(string id) => Path.Combine(DataRoot, "containers", id);
}
