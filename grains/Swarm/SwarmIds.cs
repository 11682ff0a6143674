using System.Security.Cryptography;

namespace Flotilla.Grains.Swarm;

/// <summary>Ids of swarm objects (cluster, node, service, task) as swarmkit makes them: 25 random base-36 characters.</summary>
public static class SwarmIds
{
    public static string New() => RandomNumberGenerator.GetString("0123456789abcdefghijklmnopqrstuvwxyz", 25);
}
