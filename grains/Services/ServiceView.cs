namespace Flotilla.Grains.Services;

/// <summary>A service as <c>service inspect</c>/<c>ls</c> show it.</summary>
[GenerateSerializer, Immutable]
public sealed record ServiceView(
    [property: Id(0)] string Id,
    [property: Id(1)] ServiceSpec Spec,
    [property: Id(2)] ServiceSpec? PreviousSpec,
    [property: Id(3)] long Version,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset UpdatedAt,
    [property: Id(6)] UpdateStatus? UpdateStatus,
    [property: Id(7)] int RunningTasks,
    [property: Id(8)] int DesiredTasks,
    [property: Id(9)] Networks.ServiceEndpoint? Endpoint = null);
