using Flotilla.Grains.Tasks;

namespace Flotilla.Grains.Services;

[GenerateSerializer]
public sealed class ServiceState
{
    [Id(0)] public ServiceSpec? Spec { get; set; }
    [Id(1)] public ServiceSpec? PreviousSpec { get; set; }
    [Id(2)] public long Version { get; set; }
    [Id(3)] public DateTimeOffset CreatedAt { get; set; }
    [Id(4)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(5)] public UpdateStatus? Update { get; set; }
    [Id(6)] public DateTimeOffset? LastBatchAt { get; set; }
    /// <summary>The service's view of its tasks (without their template), by task id.</summary>
    [Id(7)] public Dictionary<string, TaskRecord> Tasks { get; set; } = new(StringComparer.Ordinal);
    [Id(8)] public Networks.ServiceEndpoint Endpoint { get; set; } = Networks.ServiceEndpoint.None;
}
