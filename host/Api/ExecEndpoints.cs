using Flotilla.Client.Models;
using Flotilla.Grains;
using Flotilla.Grains.Containers;
using Flotilla.Grains.Local;
using Flotilla.Plugins;

namespace Flotilla.Host.Api;

/// <summary>docker's exec: create an instance, start it on a hijacked connection, then read its exit code.</summary>
public static class ExecEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/containers/{id}/exec", CreateAsync);
        api.MapPost("/exec/{id}/start", StartAsync);
        api.MapGet("/exec/{id}/json", (string id, ExecSessions sessions) => Results.Json(Inspect(Find(sessions, id))));
        api.MapPost("/exec/{id}/resize", (HttpRequest request, string id, ExecSessions sessions) => Resize(Find(sessions, id), ContainerEndpoints.QuerySize(request)));
    }

    private static async Task<IResult> CreateAsync(string id, ExecCreateRequest body, Containers containers, ExecSessions sessions)
    {
        var record = await containers.RecordAsync(id);
        if (record.Status != ContainerLifecycle.Running)
        {
            throw FlotillaException.Conflict($"Container {record.Id} is not running");
        }

        if (body.Cmd is not { Count: > 0 })
        {
            throw FlotillaException.Invalid("No exec command specified (Cmd).");
        }

        var session = sessions.Create(record.Id, record.Runtime, new ExecSpec
        {
            Args = body.Cmd,
            Env = body.Env ?? [],
            WorkingDir = string.IsNullOrEmpty(body.WorkingDir) ? null : body.WorkingDir,
            User = string.IsNullOrEmpty(body.User) ? null : body.User,
            OpenStdin = body.AttachStdin,
            Tty = body.Tty,
            ConsoleSize = ContainerEndpoints.ConsoleSize(body.ConsoleSize),
        });
        return Results.Json(new ExecCreateResponse { Id = session.Id }, statusCode: 201);
    }

    private static async Task StartAsync(HttpContext context, string id, ExecSessions sessions, PluginCatalog plugins)
    {
        var session = Find(sessions, id);
        lock (session)
        {
            if (session.Started)
            {
                throw FlotillaException.Conflict($"Exec {id} has already been started.");
            }

            session.Started = true;
        }

        // See ContainerEndpoints.AttachAsync: a half-close must not end the output.
        var ct = CancellationToken.None;
        await using var process = await plugins.Runtime(session.Runtime).ExecAsync(session.ContainerId, session.Spec, ct);
        session.Process = process;
        session.Running = true;
        var connection = await Hijack.AcceptAsync(context, session.Spec.Tty);
        await using var _ = connection;
        var stdin = session.Spec.OpenStdin
            ? ContainerEndpoints.PumpStdinAsync(connection, () => Task.FromResult(process.Streams), ct)
            : Task.CompletedTask;
        await ContainerEndpoints.ForwardAsync(process.Streams.ReadOutputAsync(ct), connection, session.Spec.Tty, stdout: true, stderr: true);

        session.ExitCode = await process.WaitAsync(ct);
        session.Running = false;
        session.Process = null;
    }

    private static void Resize(ExecSessions.Session session, TerminalSize size)
    {
        if (session.Process is not { } process)
        {
            throw FlotillaException.Conflict($"Exec {session.Id} is not running");
        }

        if (!session.Spec.Tty)
        {
            throw FlotillaException.Conflict($"Exec {session.Id} has no terminal to resize: it was created without Tty.");
        }

        process.ResizeTerminal(size);
    }

    private static ExecSessions.Session Find(ExecSessions sessions, string id) =>
        sessions.Find(id) ?? throw FlotillaException.NotFound($"No such exec instance: {id}");

    private static ExecInspect Inspect(ExecSessions.Session s) => new()
    {
        ID = s.Id,
        ContainerID = s.ContainerId,
        Running = s.Running,
        ExitCode = s.ExitCode,
        OpenStdin = s.Spec.OpenStdin,
    };
}
