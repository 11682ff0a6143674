using System.Text.RegularExpressions;
using Flotilla.Grains.Scheduling;

namespace Flotilla.Grains.Services;

/// <summary>What a service spec must satisfy before anything is created (docker's validation, in its words).</summary>
public static partial class ServiceSpecRules
{
    // swarmkit's rule: letters and digits, joined by runs of "-" or "_" (stacks name services STACK_SERVICE).
    [GeneratedRegex("^[a-zA-Z0-9](?:[-_]*[a-zA-Z0-9]+)*$")]
    private static partial Regex DnsLabel();

    public static void Validate(ServiceSpec spec)
    {
        if (spec.Task.Networks.Any(TaskTemplate.IsPredefined) && (spec.Task.Networks.Length > 1 || spec.Task.Ports.Any(p => p.Mode == PortConfig.Ingress)))
        {
            throw FlotillaException.Invalid("network none or host can't be combined with other networks or with ingress-published ports: use it alone (publish with mode=host)");
        }

        if (spec.Name is not { Length: > 0 and <= 63 } || !DnsLabel().IsMatch(spec.Name))
        {
            throw FlotillaException.Invalid($"invalid service name '{spec.Name}': a name is 1-63 letters and digits, joined by '-' or '_', starting and ending with a letter or digit.");
        }

        if (string.IsNullOrWhiteSpace(spec.Task.Image))
        {
            throw FlotillaException.Invalid("a service needs an image (ContainerSpec.Image).");
        }

        if (spec.Mode == ServiceMode.Replicated && spec.Replicas < 0)
        {
            throw FlotillaException.Invalid($"invalid replicas value {spec.Replicas}: replicas must be 0 or more.");
        }

        foreach (var constraint in spec.Task.Constraints)
        {
            PlacementConstraint.Parse(constraint);
        }

        var t = spec.Task;
        if (t.ReserveNanoCpus < 0 || t.LimitNanoCpus < 0 || t.ReserveMemoryBytes < 0 || t.LimitMemoryBytes < 0)
        {
            throw FlotillaException.Invalid("resource reservations and limits can't be negative.");
        }

        if (t.LimitMemoryBytes is > 0 and < 6 * 1024 * 1024)
        {
            throw FlotillaException.Invalid("Minimum memory limit allowed is 6MB (--limit-memory).");
        }

        if (t.LimitMemoryBytes > 0 && t.ReserveMemoryBytes > t.LimitMemoryBytes)
        {
            throw FlotillaException.Invalid("--reserve-memory can't be larger than --limit-memory.");
        }

        if (t.LimitNanoCpus > 0 && t.ReserveNanoCpus > t.LimitNanoCpus)
        {
            throw FlotillaException.Invalid("--reserve-cpu can't be larger than --limit-cpu.");
        }

        if (t.RestartDelay < TimeSpan.Zero || t.RestartMaxAttempts < 0 || t.StopGracePeriod < TimeSpan.Zero)
        {
            throw FlotillaException.Invalid("restart delay, restart attempts and stop grace period can't be negative.");
        }

        if (spec.Update.Parallelism < 0 || spec.Update.Delay < TimeSpan.Zero || spec.Rollback.Parallelism < 0 || spec.Rollback.Delay < TimeSpan.Zero)
        {
            throw FlotillaException.Invalid("update parallelism and delay can't be negative.");
        }
    }
}
