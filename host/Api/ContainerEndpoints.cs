using Flotilla.Client.Models;
using Flotilla.Grains;
using Flotilla.Grains.Containers;
using Flotilla.Grains.Local;
using Flotilla.Plugins;

namespace Flotilla.Host.Api;

/// <summary>/containers/…: docker's container endpoints.</summary>
public static class ContainerEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/containers/create", CreateAsync);
        api.MapGet("/containers/json", ListAsync);
        api.MapGet("/containers/{id}/json", async (string id, Containers containers) => Results.Json(ContainerView.Inspect(await containers.RecordAsync(id))));
        api.MapPost("/containers/{id}/start", StartAsync);
        api.MapPost("/containers/{id}/stop", StopAsync);
        api.MapPost("/containers/{id}/restart", RestartAsync);
        api.MapPost("/containers/{id}/kill", KillAsync);
        api.MapPost("/containers/{id}/wait", WaitAsync);
        api.MapDelete("/containers/{id}", RemoveAsync);
        api.MapPost("/containers/{id}/attach", AttachAsync);
        api.MapGet("/containers/{id}/logs", LogsAsync);
        api.MapPost("/containers/{id}/resize", ResizeAsync);
    }

    /// <summary>docker's HostConfig.ConsoleSize and exec's: [height, width], where [0, 0] (docker's default) means none.</summary>
    internal static TerminalSize? ConsoleSize(int[]? size) => size switch
    {
        null or [0, 0] => null,
        [var height, var width] => TerminalSize.From(height, width, "ConsoleSize"),
        _ => throw FlotillaException.Invalid($"ConsoleSize must be [height, width]; got {size.Length} numbers."),
    };

    /// <summary>docker's <c>?h=&amp;w=</c> of a resize.</summary>
    internal static TerminalSize QuerySize(HttpRequest request) =>
        int.TryParse(request.Query["h"], out var height) && int.TryParse(request.Query["w"], out var width)
            ? TerminalSize.From(height, width, "resize")
            : throw FlotillaException.Invalid("resize needs the terminal's height and width as numbers: ?h=ROWS&w=COLUMNS.");

    private static async Task ResizeAsync(HttpRequest request, string id, Containers containers, PluginCatalog plugins)
    {
        var size = QuerySize(request);
        var record = await containers.RecordAsync(id);
        if (record.Status != ContainerLifecycle.Running)
        {
            throw FlotillaException.Conflict($"Container {record.Id} is not running");
        }

        if (!record.Tty)
        {
            throw FlotillaException.Conflict($"Container {record.Id} has no terminal to resize: it was created without -t (Tty).");
        }

        await plugins.Runtime(record.Runtime).ResizeTerminalAsync(record.Id, size, CancellationToken.None);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, ContainerCreateRequest body, Containers containers)
    {
        if (string.IsNullOrWhiteSpace(body.Image))
        {
            throw FlotillaException.Invalid("No image was given: say which image to run (Image).");
        }

        var id = Containers.NewId();
        var host = body.HostConfig ?? new HostConfig();
        var record = await containers.Grain(id).CreateAsync(new ContainerCreateArgs
        {
            Name = Query.String(request, "name"),
            Image = body.Image,
            Entrypoint = body.Entrypoint?.ToArray(),
            Cmd = body.Cmd?.ToArray(),
            Env = body.Env?.ToArray() ?? [],
            WorkingDir = body.WorkingDir,
            User = body.User,
            Hostname = body.Hostname,
            Labels = body.Labels ?? new Dictionary<string, string>(),
            Runtime = string.IsNullOrEmpty(host.Runtime) ? null : host.Runtime,
            AutoRemove = host.AutoRemove,
            Binds = host.Binds?.ToArray() ?? [],
            Mounts = [.. (host.Mounts ?? []).Select(m => new MountRequest(m.Type, m.Source, m.Target, m.ReadOnly, m.TmpfsOptions?.SizeBytes ?? 0, m.TmpfsOptions?.Mode ?? 0))],
            MemoryBytes = host.Memory,
            NanoCpus = host.NanoCpus,
            NetworkMode = host.NetworkMode,
            Ports = NetworkEndpoints.Ports(host.PortBindings),
            NetworkAliases = NetworkEndpoints.Aliases(body.NetworkingConfig, host.NetworkMode),
            OpenStdin = body.OpenStdin,
            Tty = body.Tty,
            ConsoleSize = ConsoleSize(host.ConsoleSize) is { } size ? [size.Height, size.Width] : null,
        });
        return Results.Json(new ContainerCreateResponse { Id = record.Id, Warnings = [] }, statusCode: 201);
    }

    private static async Task<IResult> ListAsync(HttpRequest request, Containers containers)
    {
        var filters = Query.Filters(request);
        var matches = ContainerFilter.From(filters);
        var all = Query.Bool(request, "all") || ContainerFilter.IncludesStopped(filters);
        var now = DateTimeOffset.UtcNow;
        var list = (await containers.ListAsync())
            .Where(r => (all || r.Status == ContainerLifecycle.Running) && matches(r))
            .OrderByDescending(r => r.CreatedAt)
            .Select(r => ContainerView.Summary(r, now))
            .ToList();
        return Results.Json(list);
    }

    private static async Task<IResult> StartAsync(string id, Containers containers)
    {
        var record = await containers.RecordAsync(id);
        if (record.Status == ContainerLifecycle.Running)
        {
            return Results.StatusCode(304);
        }

        await containers.Grain(record.Id).StartAsync();
        return Results.NoContent();
    }

    private static async Task<IResult> StopAsync(HttpRequest request, string id, Containers containers)
    {
        var record = await containers.RecordAsync(id);
        if (record.Status != ContainerLifecycle.Running)
        {
            return Results.StatusCode(304);
        }

        await containers.Grain(record.Id).StopAsync(Query.Int(request, "t") ?? 10);
        return Results.NoContent();
    }

    /// <summary>docker's restart: stop (SIGTERM, then SIGKILL after t seconds) if it runs, then start again.</summary>
    private static async Task<IResult> RestartAsync(HttpRequest request, string id, Containers containers)
    {
        var (_, grain) = await containers.ResolveAsync(id);
        await grain.StopAsync(Query.Int(request, "t") ?? 10);
        await grain.StartAsync();
        return Results.NoContent();
    }

    private static async Task<IResult> KillAsync(HttpRequest request, string id, Containers containers)
    {
        var (containerId, grain) = await containers.ResolveAsync(id);
        await grain.KillAsync(Signals.Parse(Query.String(request, "signal") ?? "KILL"));
        return Results.NoContent();
    }

    private static async Task<IResult> RemoveAsync(HttpRequest request, string id, Containers containers, ExecSessions execs)
    {
        var (containerId, grain) = await containers.ResolveAsync(id);
        await grain.RemoveAsync(Query.Bool(request, "force"));
        execs.ForgetContainer(containerId);
        return Results.NoContent();
    }

    /// <summary>
    /// docker's wait: the response headers go out once the waiter is registered, so a client that opens its wait
    /// before it starts the container (docker run does) cannot miss the exit; the body follows at the exit.
    /// </summary>
    private static async Task WaitAsync(HttpContext context, string id, Containers containers, ContainerEvents events)
    {
        var record = await containers.RecordAsync(id);
        var condition = Query.String(context.Request, "condition") ?? "not-running";
        var ct = context.RequestAborted;
        Task<ContainerEvents.WaitResult> waiting = condition switch
        {
            "not-running" when record.Status != ContainerLifecycle.Running => Task.FromResult(new ContainerEvents.WaitResult(record.ExitCode, record.Error)),
            "not-running" or "next-exit" => events.NextExitAsync(record.Id, ct),
            "removed" => events.RemovedAsync(record.Id, ct),
            _ => throw FlotillaException.Invalid($"invalid condition: \"{condition}\" (use not-running, next-exit or removed)"),
        };

        // The state may have moved between reading it and registering: re-check what was registered against.
        var now = await containers.Grain(record.Id).GetAsync();
        if (condition == "not-running" && now is { Status: not ContainerLifecycle.Running } && !waiting.IsCompleted)
        {
            waiting = Task.FromResult(new ContainerEvents.WaitResult(now.ExitCode, now.Error));
        }
        else if (condition == "removed" && now is null && !waiting.IsCompleted)
        {
            waiting = Task.FromResult(new ContainerEvents.WaitResult(record.ExitCode, record.Error));
        }

        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(ct);
        await context.Response.Body.FlushAsync(ct);
        var result = await waiting;
        // Headers are gone already: write the body directly.
        await System.Text.Json.JsonSerializer.SerializeAsync(context.Response.Body, new ContainerWaitResponse
        {
            StatusCode = result.ExitCode,
            Error = result.Error is null ? null : new WaitError { Message = result.Error },
        }, FlotillaJsonContext.Default.ContainerWaitResponse, ct);
    }

    private static async Task AttachAsync(HttpContext context, string id, Containers containers, ContainerStreamHub hub, PluginCatalog plugins)
    {
        var record = await containers.RecordAsync(id);
        var request = context.Request;
        var wantStdout = Query.Bool(request, "stdout");
        var wantStderr = Query.Bool(request, "stderr");
        var wantStdin = Query.Bool(request, "stdin") && record.OpenStdin;
        // Not RequestAborted: the output goes on until the container's ends, even after the client half-closed the
        // connection (its stdin ended, see HalfCloseConnection); a client that went away shows as a failed write.
        var ct = CancellationToken.None;

        switch (record.Status)
        {
            // Not started yet, or ended and about to be started again (docker start -a attaches first).
            case ContainerLifecycle.Created or ContainerLifecycle.Exited:
            {
                using var subscription = hub.Subscribe(record.Id);
                var connection = await Hijack.AcceptAsync(context, record.Tty);
                await using var _ = connection;
                var stdin = wantStdin ? PumpStdinAsync(connection, () => subscription.StreamsAsync(ct), ct) : Task.CompletedTask;
                await ForwardAsync(subscription.Output.ReadAllAsync(ct), connection, record.Tty, wantStdout, wantStderr);

                break;
            }

            case ContainerLifecycle.Running:
            {
                await using var streams = await plugins.Runtime(record.Runtime).AttachAsync(record.Id, ct);
                var connection = await Hijack.AcceptAsync(context, record.Tty);
                await using var _ = connection;
                var stdin = wantStdin ? PumpStdinAsync(connection, () => Task.FromResult(streams), ct) : Task.CompletedTask;
                await ForwardAsync(streams.ReadOutputAsync(ct), connection, record.Tty, wantStdout, wantStderr);

                break;
            }

            default:
                // Nothing will ever come: answer and close, as docker does for a container on its way out.
                await using (await Hijack.AcceptAsync(context, record.Tty))
                {
                }

                break;
        }
    }

    private static async Task LogsAsync(HttpContext context, string id, Containers containers, PluginCatalog plugins)
    {
        var record = await containers.RecordAsync(id);
        var request = context.Request;
        var wantStdout = Query.Bool(request, "stdout");
        var wantStderr = Query.Bool(request, "stderr");
        if (!wantStdout && !wantStderr)
        {
            throw FlotillaException.Invalid("Bad parameters: you must choose at least one stream (stdout=1 and/or stderr=1).");
        }

        var follow = Query.Bool(request, "follow") && record.Status == ContainerLifecycle.Running;
        var timestamps = Query.Bool(request, "timestamps");
        var tail = Query.String(request, "tail") is { } t && t != "all"
            ? int.TryParse(t, out var n) && n >= 0 ? n : throw FlotillaException.Invalid($"tail: '{t}' is not a number of lines (or \"all\").")
            : (int?)null;
        var ct = context.RequestAborted;

        context.Response.ContentType = record.Tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream";
        await context.Response.StartAsync(ct);
        var runtime = plugins.Runtime(record.Runtime);
        var entries = tail is { } lines ? TailAsync(runtime, record.Id, lines, follow, ct) : runtime.ReadLogsAsync(record.Id, follow, ct);
        await foreach (var entry in entries.WithCancellation(ct))
        {
            var data = timestamps
                ? (ReadOnlyMemory<byte>)System.Text.Encoding.UTF8.GetBytes(ContainerView.Rfc3339(entry.Time) + " ").Concat(entry.Data.ToArray()).ToArray()
                : entry.Data;
            await WriteIfWantedAsync(context.Response.Body, record.Tty, new OutputFrame(entry.Stream, data), wantStdout, wantStderr, ct);
        }
    }

    /// <summary>The last <paramref name="lines"/> entries so far, then (with follow) what comes after them.</summary>
    private static async IAsyncEnumerable<LogEntry> TailAsync(IContainerRuntime runtime, string id, int lines, bool follow,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var window = new Queue<LogEntry>();
        var seen = 0;
        await foreach (var entry in runtime.ReadLogsAsync(id, follow: false, ct))
        {
            seen++;
            window.Enqueue(entry);
            if (window.Count > lines)
            {
                window.Dequeue();
            }
        }

        foreach (var e in window)
        {
            yield return e;
        }

        if (follow)
        {
            await foreach (var entry in runtime.ReadLogsAsync(id, follow: true, ct).Skip(seen).WithCancellation(ct))
            {
                yield return entry;
            }
        }
    }

    /// <summary>Copies output frames to a hijacked connection until the output ends or the client is gone.</summary>
    internal static async Task ForwardAsync(IAsyncEnumerable<OutputFrame> frames, Stream connection, bool tty, bool stdout, bool stderr)
    {
        try
        {
            await foreach (var frame in frames)
            {
                await WriteIfWantedAsync(connection, tty, frame, stdout, stderr, CancellationToken.None);
            }
        }
        catch (IOException)
        {
            // The client went away; the container goes on.
        }
    }

    internal static ValueTask WriteIfWantedAsync(Stream output, bool tty, OutputFrame frame, bool stdout, bool stderr, CancellationToken ct) =>
        (frame.Stream == StdStream.Stdout && stdout) || (frame.Stream == StdStream.Stderr && stderr)
            ? MultiplexedStream.WriteAsync(output, tty, frame.Stream, frame.Data, ct)
            : ValueTask.CompletedTask;

    internal static async Task PumpStdinAsync(Stream connection, Func<Task<IContainerStreams>> streams, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            var target = await streams();
            int read;
            while ((read = await connection.ReadAsync(buffer, ct)) > 0)
            {
                await target.WriteInputAsync(buffer.AsMemory(0, read), ct);
            }

            await target.CloseInputAsync(ct);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client went away or the container ended.
        }
    }
}
