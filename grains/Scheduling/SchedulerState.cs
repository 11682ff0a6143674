namespace Flotilla.Grains.Scheduling;

[GenerateSerializer]
public sealed class SchedulerState
{
    /// <summary>By task id.</summary>
    [Id(0)] public Dictionary<string, Reservation> Reservations { get; set; } = new(StringComparer.Ordinal);
}
