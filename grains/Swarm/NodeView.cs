namespace Flotilla.Grains.Swarm;

/// <summary>A node as <c>node ls</c>/<c>inspect</c> show it: its record and whether its silo is up right now.</summary>
[GenerateSerializer, Immutable]
public sealed record NodeView(
    [property: Id(0)] NodeRecord Record,
    [property: Id(1)] bool Ready,
    [property: Id(2)] string? Leader = null)
{
    public string Name => Record.Description.Name;

    /// <summary>Can new tasks go there: up and active.</summary>
    public bool Schedulable => Ready && Record.Availability == NodeAvailability.Active;
}
