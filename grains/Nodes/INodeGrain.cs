using Flotilla.Grains.Tasks;
using Orleans.Concurrency;
namespace Flotilla.Grains.Nodes;

/// <summary>
/// One node (host) of the cluster. Key: the node's name. It keeps the node's container index: names are unique
/// per node, ids resolve from a name or an unambiguous prefix, and it knows which images and volumes are in use.
/// </summary>
public interface INodeGrain : IGrainWithStringKey
{
    /// <summary>Reserves <paramref name="entry"/>'s name for its id; a name already taken is a conflict.</summary>
    Task AddContainerAsync(ContainerEntry entry);

    Task RemoveContainerAsync(string id);

    [AlwaysInterleave]
    Task<IReadOnlyList<ContainerEntry>> ListContainersAsync();

    /// <summary>Finds a container by full id, name (with or without the leading "/") or unique id prefix.</summary>
    [AlwaysInterleave]
    Task<ContainerEntry> ResolveContainerAsync(string idOrName);

    /// <summary>Takes a swarm task to run here; it runs in the background and reports to its task grain.</summary>
    Task RunTaskAsync(TaskAssignment task);

    /// <summary>Stops and removes a task's container (in the background), giving it <paramref name="grace"/> after SIGTERM.</summary>
    Task StopTaskAsync(string taskId, TimeSpan grace);
}
