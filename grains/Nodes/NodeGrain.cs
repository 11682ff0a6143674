using Orleans.Placement;
using Flotilla.Grains.Local;
using Flotilla.Grains.Placement;
using Flotilla.Grains.Tasks;

namespace Flotilla.Grains.Nodes;

[NodePlacement]
[Immovable]
public sealed class NodeGrain([PersistentState("node", "state")] IPersistentState<NodeState> state, TaskAgent agent) : Grain, INodeGrain
{
    private Dictionary<string, ContainerEntry> Containers => state.State.Containers;

    public async Task AddContainerAsync(ContainerEntry entry)
    {
        var holder = Containers.Values.FirstOrDefault(c => c.Name == entry.Name && c.Id != entry.Id);
        if (holder is not null)
        {
            throw FlotillaException.Conflict(
                $"Conflict. The container name \"/{entry.Name}\" is already in use by container \"{holder.Id}\". " +
                "You have to remove (or rename) that container to be able to reuse that name.");
        }

        Containers[entry.Id] = entry;
        await state.WriteStateAsync();
    }

    public async Task RemoveContainerAsync(string id)
    {
        if (Containers.Remove(id))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<ContainerEntry>> ListContainersAsync() =>
        Task.FromResult<IReadOnlyList<ContainerEntry>>([.. Containers.Values.OrderByDescending(c => c.CreatedAt)]);

    public Task<ContainerEntry> ResolveContainerAsync(string idOrName) =>
        Task.FromResult(ContainerLookup.Resolve(Containers.Values, idOrName));

    public Task RunTaskAsync(TaskAssignment task)
    {
        agent.Run(task, this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public Task StopTaskAsync(string taskId, TimeSpan grace)
    {
        agent.Stop(taskId, grace);
        return Task.CompletedTask;
    }
}
