namespace Flotilla.Grains.Swarm;

/// <summary>docker's node availability: pause takes no new tasks, drain also moves its tasks away.</summary>
public enum NodeAvailability
{
    Active,
    Pause,
    Drain,
}
