using System.CommandLine;
using Flotilla.Cli.Parsing;
using Flotilla.Client.Models;

namespace Flotilla.Cli.Commands;

/// <summary>The flags <c>service create</c> and <c>service update</c> share, and how each changes a spec.</summary>
public sealed class ServiceOptions
{
    public readonly Option<string?> Name = new("--name") { Description = "Service name" };
    public readonly Option<long?> Replicas = new("--replicas") { Description = "Number of tasks" };
    public readonly Option<string?> Mode = new("--mode") { Description = "Service mode (replicated or global)" };
    private readonly Option<string[]> _constraint = new("--constraint") { Description = "Placement constraints" };
    private readonly Option<string?> _reserveCpu = new("--reserve-cpu") { Description = "Reserve CPUs" };
    private readonly Option<string?> _reserveMemory = new("--reserve-memory") { Description = "Reserve Memory" };
    private readonly Option<string?> _limitCpu = new("--limit-cpu") { Description = "Limit CPUs" };
    private readonly Option<string?> _limitMemory = new("--limit-memory") { Description = "Limit Memory" };
    private readonly Option<string?> _restartCondition = new("--restart-condition") { Description = "Restart when condition is met (none, on-failure, any)" };
    private readonly Option<string?> _restartDelay = new("--restart-delay") { Description = "Delay between restart attempts (ns|us|ms|s|m|h)" };
    private readonly Option<long?> _restartMaxAttempts = new("--restart-max-attempts") { Description = "Maximum number of restarts before giving up" };
    private readonly Option<long?> _updateParallelism = new("--update-parallelism") { Description = "Maximum number of tasks updated simultaneously (0 to update all at once)" };
    private readonly Option<string?> _updateDelay = new("--update-delay") { Description = "Delay between updates (ns|us|ms|s|m|h)" };
    private readonly Option<string?> _updateFailureAction = new("--update-failure-action") { Description = "Action on update failure (pause, continue, rollback)" };
    private readonly Option<string?> _updateMonitor = new("--update-monitor") { Description = "Duration after each task update to monitor for failure" };
    private readonly Option<string[]> _env = new("--env", "-e") { Description = "Set environment variables" };
    private readonly Option<string[]> _mount = new("--mount") { Description = "Attach a filesystem mount to the service (type=volume|bind,source=…,target=…[,readonly])" };
    private readonly Option<string?> _runtime = new("--runtime") { Description = "Runtime to run the tasks with (linux, kvm…)" };
    private readonly Option<string?> _workdir = new("--workdir", "-w") { Description = "Working directory inside the container" };
    private readonly Option<string?> _user = new("--user", "-u") { Description = "Username or UID (format: <name|uid>[:<group|gid>])" };
    private readonly Option<string[]> _label = new("--label") { Description = "Service labels" };
    private readonly Option<string?> _stopGrace = new("--stop-grace-period") { Description = "Time to wait before force killing a container" };
    private readonly Option<string?> _entrypoint = new("--entrypoint") { Description = "Overwrite the default ENTRYPOINT of the image" };
    private readonly Option<string[]> _network = new("--network") { Description = "Network attachments (overlay networks)" };
    private readonly Option<string[]> _publish = new("--publish", "-p") { Description = "Publish a port as a node port ([PUBLISHED:]TARGET[/PROTOCOL] or published=…,target=…[,protocol=…][,mode=ingress|host]); no published port: one of 30000-32767" };

    public Option[] All => [Name, Replicas, Mode, _constraint, _reserveCpu, _reserveMemory, _limitCpu, _limitMemory, _restartCondition,
        _restartDelay, _restartMaxAttempts, _updateParallelism, _updateDelay, _updateFailureAction, _updateMonitor, _env, _mount, _runtime,
        _workdir, _user, _label, _stopGrace, _entrypoint, _network, _publish];

    /// <summary>Applies the flags that were given; the rest of <paramref name="spec"/> stays as it is.</summary>
    public void Apply(ParseResult parse, ServiceSpec spec)
    {
        var task = spec.TaskTemplate;
        var c = task.ContainerSpec;
        if (parse.GetValue(_constraint) is { Length: > 0 } constraints)
        {
            task.Placement = new Placement { Constraints = [.. (task.Placement?.Constraints ?? []), .. constraints] };
        }

        if (parse.GetValue(_reserveCpu) is not null || parse.GetValue(_reserveMemory) is not null
            || parse.GetValue(_limitCpu) is not null || parse.GetValue(_limitMemory) is not null)
        {
            task.Resources ??= new ResourceRequirements();
            task.Resources.Reservations ??= new ServiceResources();
            task.Resources.Limits ??= new ServiceResources();
            Set(_reserveCpu, v => task.Resources.Reservations.NanoCPUs = MemorySize.ParseCpus(v));
            Set(_reserveMemory, v => task.Resources.Reservations.MemoryBytes = MemorySize.Parse(v, "--reserve-memory"));
            Set(_limitCpu, v => task.Resources.Limits.NanoCPUs = MemorySize.ParseCpus(v));
            Set(_limitMemory, v => task.Resources.Limits.MemoryBytes = MemorySize.Parse(v, "--limit-memory"));
        }

        if (parse.GetValue(_restartCondition) is not null || parse.GetValue(_restartDelay) is not null || parse.GetValue(_restartMaxAttempts) is not null)
        {
            task.RestartPolicy ??= new RestartPolicy();
            Set(_restartCondition, v => task.RestartPolicy.Condition = v is "none" or "on-failure" or "any"
                ? v : throw new FormatException($"invalid argument \"{v}\" for \"--restart-condition\" flag: must be none, on-failure or any"));
            Set(_restartDelay, v => task.RestartPolicy.Delay = GoDuration.Nanoseconds(v, "--restart-delay"));
            if (parse.GetValue(_restartMaxAttempts) is { } attempts)
            {
                task.RestartPolicy.MaxAttempts = attempts;
            }
        }

        if (parse.GetValue(_updateParallelism) is not null || parse.GetValue(_updateDelay) is not null
            || parse.GetValue(_updateFailureAction) is not null || parse.GetValue(_updateMonitor) is not null)
        {
            spec.UpdateConfig ??= new UpdateConfig();
            if (parse.GetValue(_updateParallelism) is { } p)
            {
                spec.UpdateConfig.Parallelism = p;
            }

            Set(_updateDelay, v => spec.UpdateConfig.Delay = GoDuration.Nanoseconds(v, "--update-delay"));
            Set(_updateMonitor, v => spec.UpdateConfig.Monitor = GoDuration.Nanoseconds(v, "--update-monitor"));
            Set(_updateFailureAction, v => spec.UpdateConfig.FailureAction = v is "pause" or "continue" or "rollback"
                ? v : throw new FormatException($"invalid argument \"{v}\" for \"--update-failure-action\" flag: must be pause, continue or rollback"));
        }

        if (parse.GetValue(_env) is { Length: > 0 } env)
        {
            c.Env = [.. c.Env ?? [], .. env.Select(e => EnvironmentSpec.Parse(e, Environment.GetEnvironmentVariable) ?? e)];
        }

        if (parse.GetValue(_mount) is { Length: > 0 } mounts)
        {
            c.Mounts = [.. c.Mounts ?? [], .. mounts.Select(ParseMount)];
        }

        if (parse.GetValue(_network) is { Length: > 0 } networks)
        {
            task.Networks = [.. task.Networks ?? [], .. networks.Select(n => new NetworkAttachmentConfig { Target = n })];
        }

        if (parse.GetValue(_publish) is { Length: > 0 } published)
        {
            spec.EndpointSpec ??= new EndpointSpec();
            spec.EndpointSpec.Ports = [.. spec.EndpointSpec.Ports, .. published.Select(ParsePort)];
        }

        Set(_runtime, v => task.Runtime = v);
        Set(_workdir, v => c.Dir = v);
        Set(_user, v => c.User = v);
        Set(_stopGrace, v => c.StopGracePeriod = GoDuration.Nanoseconds(v, "--stop-grace-period"));
        Set(_entrypoint, v => c.Command = [v]);
        foreach (var (key, value) in EnvironmentSpec.Labels(parse.GetValue(_label) ?? []))
        {
            spec.Labels[key] = value;
        }

        void Set(Option<string?> option, Action<string> apply)
        {
            if (parse.GetValue(option) is { } value)
            {
                apply(value);
            }
        }
    }

    /// <summary>docker's --publish: "8080:80[/udp]", or the long form "published=8080,target=80[,protocol=udp][,mode=host]".</summary>
    public static PortConfig ParsePort(string text)
    {
        var port = new PortConfig();
        var bad = new FormatException($"invalid argument \"{text}\" for \"--publish\" flag: give PUBLISHED:TARGET[/tcp|udp] or published=…,target=…[,protocol=tcp|udp][,mode=ingress|host]");
        if (text.Contains('='))
        {
            foreach (var field in text.Split(','))
            {
                var kv = field.Split('=', 2);
                var value = kv.Length == 2 ? kv[1] : throw bad;
                switch (kv[0])
                {
                    case "published": port.PublishedPort = int.TryParse(value, out var p) ? p : throw bad; break;
                    case "target": port.TargetPort = int.TryParse(value, out var t) ? t : throw bad; break;
                    case "protocol": port.Protocol = value; break;
                    case "mode": port.PublishMode = value; break;
                    default: throw bad;
                }
            }
        }
        else
        {
            // "80" alone: the swarm picks the published port.
            var protocol = text.Split('/');
            var ports = protocol[0].Split(':');
            var published = 0;
            if (protocol.Length > 2 || ports.Length > 2 || (ports.Length == 2 && !int.TryParse(ports[0], out published)) || !int.TryParse(ports[^1], out var target))
            {
                throw bad;
            }

            (port.PublishedPort, port.TargetPort, port.Protocol) = (published, target, protocol.Length == 2 ? protocol[1] : "tcp");
        }

        return port.Protocol is "tcp" or "udp" && port.PublishMode is "ingress" or "host" && port.TargetPort is > 0 and < 65536 && port.PublishedPort is >= 0 and < 65536
            ? port
            : throw bad;
    }

    /// <summary>docker's --mount: comma-separated key=value pairs.</summary>
    public static ServiceMount ParseMount(string text)
    {
        var mount = new ServiceMount();
        foreach (var field in text.Split(','))
        {
            var kv = field.Split('=', 2);
            var value = kv.Length == 2 ? kv[1] : "true";
            switch (kv[0])
            {
                case "type": mount.Type = value; break;
                case "source" or "src": mount.Source = value; break;
                case "target" or "dst" or "destination": mount.Target = value; break;
                case "readonly" or "ro": mount.ReadOnly = value is "true" or "1"; break;
                default: throw new FormatException($"invalid argument \"{text}\" for \"--mount\" flag: unknown field '{kv[0]}' (use type, source, target, readonly)");
            }
        }

        return mount;
    }
}
