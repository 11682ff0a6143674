namespace Flotilla.Grains.Swarm;

public sealed class SwarmGrain([PersistentState("swarm", "cluster")] IPersistentState<SwarmState> state) : Grain, ISwarmGrain
{
    private SwarmState S => state.State;

    private INodeRegistryGrain Nodes => GrainFactory.GetGrain<INodeRegistryGrain>("nodes");

    public async Task<SwarmInfo> InitAsync(string clusterId, NodeDescription firstNode)
    {
        if (S.ClusterId.Length == 0)
        {
            var now = DateTimeOffset.UtcNow;
            state.State = new SwarmState
            {
                ClusterId = clusterId,
                CreatedAt = now,
                UpdatedAt = now,
                WorkerSecret = JoinToken.NewSecret(),
                ManagerSecret = JoinToken.NewSecret(),
                Version = 1,
            };
            await state.WriteStateAsync();
            await Nodes.AdmitAsync(firstNode, NodeRole.Manager);
        }

        return Info();
    }

    public Task<SwarmInfo?> GetAsync() => Task.FromResult(S.ClusterId.Length == 0 ? null : Info());

    public async Task<SwarmInfo> RotateTokenAsync(NodeRole role)
    {
        EnsureInitialised();
        if (role == NodeRole.Manager)
        {
            S.ManagerSecret = JoinToken.NewSecret();
        }
        else
        {
            S.WorkerSecret = JoinToken.NewSecret();
        }

        S.UpdatedAt = DateTimeOffset.UtcNow;
        S.Version++;
        await state.WriteStateAsync();
        return Info();
    }

    public async Task<NodeRole> AdmitAsync(string token, NodeDescription node)
    {
        EnsureInitialised();
        var parsed = JoinToken.Parse(token)
            ?? throw new FlotillaException(ErrorKind.Unauthorized, "The join token is malformed: a token looks like FLTKN-1-<cluster>-<secret>. Ask a manager for it with `flotilla swarm join-token worker`.");
        if (parsed.ClusterId != S.ClusterId)
        {
            throw new FlotillaException(ErrorKind.Unauthorized, $"The join token belongs to another swarm ({parsed.ClusterId}), not to {S.ClusterId}. Ask a manager of this swarm for its token with `flotilla swarm join-token worker`.");
        }

        NodeRole role;
        if (JoinToken.SecretEquals(parsed.Secret, S.ManagerSecret))
        {
            role = NodeRole.Manager;
        }
        else if (JoinToken.SecretEquals(parsed.Secret, S.WorkerSecret))
        {
            role = NodeRole.Worker;
        }
        else
        {
            throw new FlotillaException(ErrorKind.Unauthorized, "The join token is not valid (wrong, or rotated since). Ask a manager for the current one with `flotilla swarm join-token worker`.");
        }

        await Nodes.AdmitAsync(node, role);
        return role;
    }

    private SwarmInfo Info() => new(S.ClusterId, S.CreatedAt, S.UpdatedAt,
        JoinToken.Format(S.ClusterId, S.WorkerSecret), JoinToken.Format(S.ClusterId, S.ManagerSecret), S.Version);

    private void EnsureInitialised()
    {
        if (S.ClusterId.Length == 0)
        {
            throw FlotillaException.Unavailable("This swarm has not been initialised. Run `flotilla swarm init` on its first manager.");
        }
    }
}
