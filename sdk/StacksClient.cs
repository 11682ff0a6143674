using System.Text.Json;
using Flotilla.Client.Models;

namespace Flotilla.Client;

/// <summary>
/// Stacks, as docker does them: a client-side grouping of services under a name ("STACK_SERVICE", labelled
/// com.docker.stack.namespace=STACK), deployed from a distributed application bundle.
/// </summary>
public sealed class StacksClient
{
    public const string NamespaceLabel = "com.docker.stack.namespace";

    private readonly ServicesClient _services;
    private readonly NetworksClient _networks;

    internal StacksClient(ServicesClient services, NetworksClient networks)
    {
        _services = services;
        _networks = networks;
    }

    /// <summary>Reads a .dab; says which field is wrong or missing.</summary>
    public static Bundle ParseBundle(string json, string source)
    {
        Bundle? bundle;
        try
        {
            bundle = JsonSerializer.Deserialize(json, BundleJsonContext.Default.Bundle);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source} is not a valid bundle: {e.Message}");
        }

        if (bundle is null || bundle.Version != "0.1")
        {
            throw new FormatException($"{source}: unsupported bundle version '{bundle?.Version}' (expected \"0.1\").");
        }

        if (bundle.Services.Count == 0)
        {
            throw new FormatException($"{source} has no services.");
        }

        foreach (var (name, service) in bundle.Services)
        {
            if (string.IsNullOrWhiteSpace(service.Image))
            {
                throw new FormatException($"{source}: service {name} has no Image.");
            }
        }

        return bundle;
    }

    /// <summary>
    /// Creates the stack's services (or updates those that exist) as docker's bundle deploy does: each on the stack's
    /// overlay networks "STACK-NETWORK" (made as needed; "STACK-default" when the bundle names none; docker joins with "_", which is not in a DNS label), each bundle port
    /// published on a port the swarm picks. Returns warnings for what was not applied.
    /// </summary>
    public async Task<List<string>> DeployAsync(string stack, Bundle bundle, CancellationToken ct = default)
    {
        var warnings = new List<string>();
        var existing = (await ServicesAsync(stack, ct)).ToDictionary(s => s.Spec.Name);
        var networks = (await _networks.ListAsync(ct)).Select(n => n.Name).ToHashSet();
        foreach (var (name, b) in bundle.Services.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var attached = (b.Networks is { Count: > 0 } named ? named : ["default"]).Select(n => $"{stack}-{n}").ToList();
            foreach (var network in attached.Where(networks.Add))
            {
                await _networks.CreateAsync(new NetworkCreateRequest
                {
                    Name = network, Driver = "overlay", Labels = new Dictionary<string, string> { [NamespaceLabel] = stack },
                }, ct);
            }

            var spec = new ServiceSpec
            {
                Name = $"{stack}_{name}",
                Labels = new Dictionary<string, string>(b.Labels ?? []) { [NamespaceLabel] = stack },
                Mode = new ServiceModeSpec { Replicated = new ReplicatedService { Replicas = 1 } },
            };
            spec.TaskTemplate.ContainerSpec = new ContainerSpec
            {
                Image = b.Image,
                Command = b.Command,
                Args = b.Args,
                Env = b.Env,
                Dir = b.WorkingDir,
                User = b.User,
                Labels = new Dictionary<string, string> { [NamespaceLabel] = stack },
            };
            spec.TaskTemplate.Networks = [.. attached.Select(n => new NetworkAttachmentConfig { Target = n })];
            if (b.Ports is { Count: > 0 } ports)
            {
                spec.EndpointSpec = new EndpointSpec { Ports = [.. ports.Select(p => new PortConfig { Protocol = p.Protocol, TargetPort = p.Port })] };
            }

            if (existing.TryGetValue(spec.Name, out var current))
            {
                spec.Mode = current.Spec.Mode;
                await _services.UpdateAsync(current.ID, current.Version.Index, spec, ct);
            }
            else
            {
                await _services.CreateAsync(spec, ct);
            }
        }

        return warnings;
    }

    /// <summary>Stack names with their number of services.</summary>
    public async Task<List<(string Name, int Services)>> ListAsync(CancellationToken ct = default) =>
        [.. (await _services.ListAsync(ct))
            .Where(s => s.Spec.Labels.ContainsKey(NamespaceLabel))
            .GroupBy(s => s.Spec.Labels[NamespaceLabel])
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count()))];

    public async Task<List<Service>> ServicesAsync(string stack, CancellationToken ct = default) =>
        [.. (await _services.ListAsync(ct)).Where(s => s.Spec.Labels.GetValueOrDefault(NamespaceLabel) == stack)];

    public async Task<List<SwarmTask>> TasksAsync(string stack, CancellationToken ct = default)
    {
        var tasks = new List<SwarmTask>();
        foreach (var service in await ServicesAsync(stack, ct))
        {
            tasks.AddRange(await _services.TasksAsync(service.ID, ct));
        }

        return tasks;
    }

    /// <summary>Removes every service of the stack; false when there was none.</summary>
    public async Task<bool> RemoveAsync(string stack, CancellationToken ct = default)
    {
        var services = await ServicesAsync(stack, ct);
        foreach (var service in services)
        {
            await _services.RemoveAsync(service.ID, ct);
        }

        var networks = (await _networks.ListAsync(ct)).Where(n => n.Labels.GetValueOrDefault(NamespaceLabel) == stack).ToList();
        foreach (var network in networks)
        {
            await _networks.RemoveAsync(network.Id, ct);
        }

        return services.Count > 0 || networks.Count > 0;
    }
}
