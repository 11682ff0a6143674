namespace Flotilla.Grains.Swarm;

/// <summary>Managers accept API writes and run orchestration; workers only run tasks (managers do too unless drained).</summary>
public enum NodeRole
{
    Worker,
    Manager,
}
