namespace Flotilla.Grains.Swarm;

public sealed class SwarmGrain([PersistentState("swarm", "cluster")] IPersistentState<SwarmState> state) : Grain, ISwarmGrain
{
    private SwarmState S => state.State;

    private INodeRegistryGrain Nodes => GrainFactory.GetGrain<INodeRegistryGrain>("nodes");

    public async Task<SwarmInfo> InitAsync(string clusterId, string caDigest, NodeDescription firstNode)
    {
        if (S.ClusterId.Length == 0)
        {
            var now = DateTimeOffset.UtcNow;
            state.State = new SwarmState
            {
                ClusterId = clusterId,
                CaDigest = caDigest,
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

    public async Task<SwarmInfo> SetNodeCertExpiryAsync(TimeSpan expiry)
    {
        EnsureInitialised();
        if (expiry < TimeSpan.FromSeconds(10))
        {
            throw FlotillaException.Invalid($"--cert-expiry {expiry}: node certificates must be valid for at least 10 seconds (swarmkit's default is 90 days, 2160h).");
        }

        S.NodeCertExpiry = expiry;
        S.UpdatedAt = DateTimeOffset.UtcNow;
        S.Version++;
        await state.WriteStateAsync();
        return Info();
    }

    public async Task<NodeRecord> AdmitAsync(string token, NodeDescription node)
    {
        EnsureInitialised();
        var parsed = JoinToken.Parse(token)
            ?? throw new FlotillaException(ErrorKind.Unauthorized, "The join token is malformed: a token looks like FLTKN-1-<CA digest>-<secret>. Ask a manager for it with `flotilla swarm join-token worker`.");
        if (parsed.CaDigest != S.CaDigest)
        {
            throw new FlotillaException(ErrorKind.Unauthorized, $"The join token names a CA (digest {parsed.CaDigest}) other than this swarm's ({S.CaDigest}): it belongs to another swarm. Ask a manager of this swarm for its token with `flotilla swarm join-token worker`.");
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

        return await Nodes.AdmitAsync(node, role);
    }

    private SwarmInfo Info() => new(S.ClusterId, S.CreatedAt, S.UpdatedAt,
        JoinToken.Format(S.CaDigest, S.WorkerSecret), JoinToken.Format(S.CaDigest, S.ManagerSecret), S.Version, S.NodeCertExpiry);

    private void EnsureInitialised()
    {
        if (S.ClusterId.Length == 0)
        {
            throw FlotillaException.Unavailable("This swarm has not been initialised. Run `flotilla swarm init` on its first manager.");
        }
    }
}
