using System.Runtime.CompilerServices;
using Flotilla.Client.Models;

namespace Flotilla.Client;

/// <summary>/containers/… and /exec/…: docker's container endpoints.</summary>
public sealed class ContainersClient
{
    private readonly Transport _transport;

    internal ContainersClient(Transport transport) => _transport = transport;

    public Task<ContainerCreateResponse> CreateAsync(ContainerCreateRequest request, string? name = null, CancellationToken ct = default) =>
        _transport.SendJsonAsync(HttpMethod.Post, "containers/create" + (name is null ? "" : "?name=" + Uri.EscapeDataString(name)),
            request, FlotillaJsonContext.Default.ContainerCreateRequest, FlotillaJsonContext.Default.ContainerCreateResponse, ct);

    public Task StartAsync(string id, CancellationToken ct = default) => _transport.SendAsync(HttpMethod.Post, $"containers/{Escape(id)}/start", ct);

    /// <summary>SIGTERM, then SIGKILL after <paramref name="timeoutSeconds"/> (the daemon's default, 10, when null).</summary>
    public Task StopAsync(string id, int? timeoutSeconds = null, CancellationToken ct = default) =>
        _transport.SendAsync(HttpMethod.Post, $"containers/{Escape(id)}/stop" + (timeoutSeconds is { } t ? $"?t={t}" : ""), ct);

    /// <summary>Stops the container if it runs (as <see cref="StopAsync"/>), then starts it again.</summary>
    public Task RestartAsync(string id, int? timeoutSeconds = null, CancellationToken ct = default) =>
        _transport.SendAsync(HttpMethod.Post, $"containers/{Escape(id)}/restart" + (timeoutSeconds is { } t ? $"?t={t}" : ""), ct);

    /// <summary>Sends <paramref name="signal"/> (a name such as "KILL" or "SIGTERM", or a number).</summary>
    public Task KillAsync(string id, string signal = "KILL", CancellationToken ct = default) =>
        _transport.SendAsync(HttpMethod.Post, $"containers/{Escape(id)}/kill?signal={Uri.EscapeDataString(signal)}", ct);

    public Task RemoveAsync(string id, bool force = false, bool volumes = false, CancellationToken ct = default) =>
        _transport.SendAsync(HttpMethod.Delete, $"containers/{Escape(id)}?force={(force ? 1 : 0)}&v={(volumes ? 1 : 0)}", ct);

    public Task<ContainerInspect> InspectAsync(string id, CancellationToken ct = default) =>
        _transport.GetJsonAsync($"containers/{Escape(id)}/json", FlotillaJsonContext.Default.ContainerInspect, ct);

    /// <summary>Running containers, or all of them with <paramref name="all"/>.</summary>
    public Task<List<ContainerSummary>> ListAsync(bool all = false, CancellationToken ct = default) => ListAsync(all, null, ct);

    /// <summary>
    /// With docker's <paramref name="filters"/> (id, name, status, label, ancestor, exited → values; a key's values
    /// are alternatives, all keys must match).
    /// </summary>
    public Task<List<ContainerSummary>> ListAsync(bool all, IReadOnlyDictionary<string, List<string>>? filters, CancellationToken ct = default) =>
        _transport.GetJsonAsync($"containers/json?all={(all ? 1 : 0)}" + Filters.Query(filters), FlotillaJsonContext.Default.ListContainerSummary, ct);

    /// <summary>
    /// Registers a wait for <paramref name="condition"/> ("not-running", "next-exit" or "removed") and returns once
    /// the daemon has registered it; the inner task completes at the exit. A container started after this returns
    /// cannot be missed, which is why docker run opens its wait before it starts the container.
    /// </summary>
    public async Task<Task<ContainerWaitResponse>> BeginWaitAsync(string id, string condition = "not-running", CancellationToken ct = default)
    {
        var response = await _transport.SendAsync(HttpMethod.Post, $"containers/{Escape(id)}/wait?condition={Uri.EscapeDataString(condition)}",
            null, ct, HttpCompletionOption.ResponseHeadersRead);
        return ReadAsync();

        async Task<ContainerWaitResponse> ReadAsync()
        {
            using (response)
            {
                return (await response.Content.ReadFromJsonAsync(FlotillaJsonContext.Default.ContainerWaitResponse, ct))!;
            }
        }
    }

    /// <summary>Blocks until the container meets <paramref name="condition"/>; the response carries its exit code.</summary>
    public async Task<ContainerWaitResponse> WaitAsync(string id, string condition = "not-running", CancellationToken ct = default) =>
        await await BeginWaitAsync(id, condition, ct);

    /// <summary>Attaches to the container's output (and stdin with <paramref name="stdin"/>) on a hijacked connection.</summary>
    public Task<HijackedConnection> AttachAsync(string id, bool stdin = false, bool tty = false, CancellationToken ct = default) =>
        HijackedConnection.OpenAsync(_transport, $"containers/{Escape(id)}/attach?stream=1&stdout=1&stderr=1&stdin={(stdin ? 1 : 0)}", tty, ct);

    /// <summary>
    /// The container's recorded output (then, with <paramref name="follow"/>, its live output) as frames;
    /// <paramref name="tail"/> is a number of lines or "all".
    /// </summary>
    public IAsyncEnumerable<OutputFrame> LogsAsync(string id, bool follow = false, bool timestamps = false, string tail = "all",
        CancellationToken ct = default) =>
        LogFrames.ReadAsync(_transport,
            $"containers/{Escape(id)}/logs?stdout=1&stderr=1&follow={(follow ? 1 : 0)}&timestamps={(timestamps ? 1 : 0)}&tail={Uri.EscapeDataString(tail)}", ct);

    /// <summary>Sets the size of a running container's terminal (one created with Tty); its processes get SIGWINCH.</summary>
    public Task ResizeAsync(string id, int height, int width, CancellationToken ct = default) =>
        _transport.SendAsync(HttpMethod.Post, $"containers/{Escape(id)}/resize?h={height}&w={width}", ct);

    /// <summary>Sets the size of a running exec's terminal (one created with Tty).</summary>
    public Task ResizeExecAsync(string execId, int height, int width, CancellationToken ct = default) =>
        _transport.SendAsync(HttpMethod.Post, $"exec/{Escape(execId)}/resize?h={height}&w={width}", ct);

    public Task<ExecCreateResponse> CreateExecAsync(string id, ExecCreateRequest request, CancellationToken ct = default) =>
        _transport.SendJsonAsync(HttpMethod.Post, $"containers/{Escape(id)}/exec", request,
            FlotillaJsonContext.Default.ExecCreateRequest, FlotillaJsonContext.Default.ExecCreateResponse, ct);

    /// <summary>
    /// Starts an exec on a hijacked connection. The request carries no body (docker's CLI sends {"Detach":false,
    /// "Tty":...}): the daemon's HTTP server upgrades only requests without one, and the exec's options were given
    /// at create.
    /// </summary>
    public Task<HijackedConnection> StartExecAsync(string execId, bool tty = false, CancellationToken ct = default) =>
        HijackedConnection.OpenAsync(_transport, $"exec/{Escape(execId)}/start", tty, ct);

    public Task<ExecInspect> InspectExecAsync(string execId, CancellationToken ct = default) =>
        _transport.GetJsonAsync($"exec/{Escape(execId)}/json", FlotillaJsonContext.Default.ExecInspect, ct);

    /// <summary>
    /// What `docker exec` does: create the exec, start it, stream its output live (and <paramref name="stdin"/>
    /// in, when given: it sets AttachStdin accordingly) and return its exit code.
    /// </summary>
    public async Task<int> ExecAsync(string id, ExecCreateRequest request, Stream stdout, Stream stderr, Stream? stdin = null, CancellationToken ct = default)
    {
        request.AttachStdin = stdin is not null;
        var exec = await CreateExecAsync(id, request, ct);
        return await StartExecAttachedAsync(exec.Id, request.Tty, stdout, stderr, stdin, ct);
    }

    /// <summary>
    /// Starts an exec made by <see cref="CreateExecAsync"/> (with AttachStdin when <paramref name="stdin"/> is given),
    /// streams its output live and returns its exit code.
    /// </summary>
    public async Task<int> StartExecAttachedAsync(string execId, bool tty, Stream stdout, Stream stderr, Stream? stdin = null, CancellationToken ct = default)
    {
        await using (var connection = await StartExecAsync(execId, tty, ct))
        {
            if (stdin is not null)
            {
                _ = connection.CopyInputFromAsync(stdin, ct);
            }

            await connection.CopyOutputToAsync(stdout, stderr, ct);
        }

        // The daemon records the exit code as the stream ends; allow it a moment to land.
        for (var attempt = 0; ; attempt++)
        {
            var state = await InspectExecAsync(execId, ct);
            if (state.ExitCode is { } code && !state.Running)
            {
                return code;
            }

            if (attempt == 50)
            {
                throw new IOException($"exec {execId} ended its output but the daemon reports no exit code");
            }

            await Task.Delay(20, ct);
        }
    }

    /// <summary>
    /// What `docker run` does: create (named <paramref name="name"/>, or as the daemon picks), then
    /// <see cref="StartAttachedAsync"/>. Returns the container's exit code; a failed start throws
    /// <see cref="ContainerStartException"/>.
    /// </summary>
    public async Task<int> RunAsync(ContainerCreateRequest request, Stream stdout, Stream stderr, Stream? stdin = null, string? name = null,
        CancellationToken ct = default)
    {
        var id = (await CreateAsync(request, name, ct)).Id;
        return await StartAttachedAsync(id, request.HostConfig?.AutoRemove == true, request.Tty, stdout, stderr, stdin, ct);
    }

    /// <summary>
    /// Runs a created container to its end as `docker run` does: attach, open the wait ("removed" when the
    /// container was created with AutoRemove, else "next-exit") before starting so the exit cannot be missed,
    /// start, stream the output live to <paramref name="stdout"/> and <paramref name="stderr"/> (and
    /// <paramref name="stdin"/> in, which needs OpenStdin), and return the exit code.
    /// </summary>
    public async Task<int> StartAttachedAsync(string id, bool autoRemove, bool tty, Stream stdout, Stream stderr, Stream? stdin = null,
        CancellationToken ct = default)
    {
        using var waitCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Attach and wait are independent of each other: both on their own connections at once, one round trip.
        var attaching = AttachAsync(id, stdin is not null, tty, ct);
        var beginWait = BeginWaitAsync(id, autoRemove ? "removed" : "next-exit", waitCancel.Token);
        HijackedConnection attached;
        try
        {
            attached = await attaching;
        }
        catch
        {
            await waitCancel.CancelAsync();
            await beginWait.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result.ContinueWith(_ => { }, TaskScheduler.Default) : Task.CompletedTask,
                CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
            throw;
        }

        await using var connection = attached;
        var exit = await beginWait;
        try
        {
            await StartAsync(id, ct);
        }
        catch (FlotillaApiException e)
        {
            await waitCancel.CancelAsync();
            await exit.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw new ContainerStartException(id, e);
        }

        if (stdin is not null)
        {
            _ = connection.CopyInputFromAsync(stdin, ct);
        }

        await connection.CopyOutputToAsync(stdout, stderr, ct);
        var result = await exit;
        if (result.Error?.Message is { Length: > 0 } error)
        {
            throw new FlotillaApiException(System.Net.HttpStatusCode.InternalServerError, error);
        }

        return result.StatusCode;
    }

    /// <summary>
    /// `docker attach`: streams a running container's output from now on (and <paramref name="stdin"/> in, which
    /// needs OpenStdin) until it ends, and returns its exit code. Detaching (cancelling) leaves it running.
    /// </summary>
    public async Task<int> AttachToEndAsync(string id, bool tty, Stream stdout, Stream stderr, Stream? stdin = null, CancellationToken ct = default)
    {
        await using var connection = await AttachAsync(id, stdin is not null, tty, ct);
        if (stdin is not null)
        {
            _ = connection.CopyInputFromAsync(stdin, ct);
        }

        await connection.CopyOutputToAsync(stdout, stderr, ct);
        var result = await WaitAsync(id, "not-running", ct);
        return result.Error?.Message is { Length: > 0 } error
            ? throw new FlotillaApiException(System.Net.HttpStatusCode.InternalServerError, error)
            : result.StatusCode;
    }

    private static string Escape(string id) => Uri.EscapeDataString(id);
}
