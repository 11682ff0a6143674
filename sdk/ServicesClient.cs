using Flotilla.Client.Models;

namespace Flotilla.Client;

/// <summary>/services/… and /tasks/…: services and the tasks they run (managers only).</summary>
public sealed class ServicesClient
{
    private readonly Transport _transport;

    internal ServicesClient(Transport transport) => _transport = transport;

    public Task<ServiceCreateResponse> CreateAsync(ServiceSpec spec, CancellationToken ct = default) =>
        _transport.SendJsonAsync(HttpMethod.Post, "services/create", spec, FlotillaJsonContext.Default.ServiceSpec, FlotillaJsonContext.Default.ServiceCreateResponse, ct);

    public Task<List<Service>> ListAsync(CancellationToken ct = default) =>
        _transport.GetJsonAsync("services", FlotillaJsonContext.Default.ListService, ct);

    public Task<Service> InspectAsync(string idOrName, CancellationToken ct = default) =>
        _transport.GetJsonAsync($"services/{Uri.EscapeDataString(idOrName)}", FlotillaJsonContext.Default.Service, ct);

    /// <summary>Replaces the spec (read it, change it, send it back with the version read).</summary>
    public Task<ServiceUpdateResponse> UpdateAsync(string idOrName, long version, ServiceSpec spec, CancellationToken ct = default) =>
        _transport.SendJsonAsync(HttpMethod.Post, $"services/{Uri.EscapeDataString(idOrName)}/update?version={version}", spec,
            FlotillaJsonContext.Default.ServiceSpec, FlotillaJsonContext.Default.ServiceUpdateResponse, ct);

    public Task<ServiceUpdateResponse> RollbackAsync(string idOrName, long version, ServiceSpec spec, CancellationToken ct = default) =>
        _transport.SendJsonAsync(HttpMethod.Post, $"services/{Uri.EscapeDataString(idOrName)}/update?version={version}&rollback=previous", spec,
            FlotillaJsonContext.Default.ServiceSpec, FlotillaJsonContext.Default.ServiceUpdateResponse, ct);

    /// <summary>Sets the replica count of a replicated service.</summary>
    public async Task ScaleAsync(string idOrName, long replicas, CancellationToken ct = default)
    {
        var service = await InspectAsync(idOrName, ct);
        if (service.Spec.Mode.Replicated is null)
        {
            throw new InvalidOperationException($"service {service.Spec.Name} is not a replicated service: only replicated services can be scaled.");
        }

        service.Spec.Mode.Replicated.Replicas = replicas;
        await UpdateAsync(service.ID, service.Version.Index, service.Spec, ct);
    }

    public Task RemoveAsync(string idOrName, CancellationToken ct = default) =>
        _transport.SendAsync(HttpMethod.Delete, $"services/{Uri.EscapeDataString(idOrName)}", ct);

    /// <summary>The output of the service's running tasks, each line prefixed with "TASK@NODE | " as docker does.</summary>
    public IAsyncEnumerable<OutputFrame> LogsAsync(string idOrName, bool timestamps = false, string tail = "all", CancellationToken ct = default) =>
        LogFrames.ReadAsync(_transport,
            $"services/{Uri.EscapeDataString(idOrName)}/logs?stdout=1&stderr=1&timestamps={(timestamps ? 1 : 0)}&tail={Uri.EscapeDataString(tail)}", ct);

    /// <summary>The tasks of one service (all services when null), newest last per slot.</summary>
    public Task<List<SwarmTask>> TasksAsync(string? service = null, CancellationToken ct = default) =>
        _transport.GetJsonAsync("tasks" + (service is null ? "" : "?filters=" + Uri.EscapeDataString($"{{\"service\":[\"{service}\"]}}")),
            FlotillaJsonContext.Default.ListSwarmTask, ct);
}
