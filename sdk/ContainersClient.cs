using System.Text.Json;
using Flotilla.Client.Models;

namespace Flotilla.Client;

public sealed class ContainersClient
{
    private readonly Transport _transport;

    internal ContainersClient(Transport transport) => _transport = transport;

    public Task<ContainerCreateResponse> CreateAsync(ContainerCreateRequest request, string? name = null, CancellationToken ct = default) =>
        _transport.SendJsonAsync(HttpMethod.Post, "containers/create" + (name is null ? "" : "?name=" + Uri.EscapeDataString(name)),
            request, FlotillaJsonContext.Default.ContainerCreateRequest, FlotillaJsonContext.Default.ContainerCreateResponse, ct);

    public Task StartAsync(string id, CancellationToken ct = default) => _transport.SendAsync(HttpMethod.Post, $"containers/{id}/start", ct);

    public Task StopAsync(string id, int? timeoutSeconds = null, CancellationToken ct = default) =>
        _transport.SendAsync(HttpMethod.Post, $"containers/{id}/stop" + (timeoutSeconds is { } t ? $"?t={t}" : ""), ct);

    public Task KillAsync(string id, string signal = "KILL", CancellationToken ct = default) =>
        _transport.SendAsync(HttpMethod.Post, $"containers/{id}/kill?signal={Uri.EscapeDataString(signal)}", ct);

    public Task RemoveAsync(string id, bool force = false, bool volumes = false, CancellationToken ct = default) =>
        _transport.SendAsync(HttpMethod.Delete, $"containers/{id}?force={(force ? 1 : 0)}&v={(volumes ? 1 : 0)}", ct);

    public Task<ContainerInspect> InspectAsync(string id, CancellationToken ct = default) =>
        _transport.GetJsonAsync($"containers/{id}/json", FlotillaJsonContext.Default.ContainerInspect, ct);

    public Task<List<ContainerSummary>> ListAsync(bool all = false, CancellationToken ct = default) =>
        _transport.GetJsonAsync($"containers/json?all={(all ? 1 : 0)}", FlotillaJsonContext.Default.ListContainerSummary, ct);

    /// <summary>
    /// Starts waiting for <paramref name="condition"/> ("not-running", "next-exit", "removed"). The returned task
    /// is awaited only once the daemon has registered the wait, so a container started afterwards cannot be missed.
    /// </summary>
    public async Task<Task<ContainerWaitResponse>> BeginWaitAsync(string id, string condition = "not-running", CancellationToken ct = default)
    {
        var response = await _transport.SendAsync(HttpMethod.Post, $"containers/{id}/wait?condition={condition}", null, ct, HttpCompletionOption.ResponseHeadersRead);
        return ReadAsync();

        async Task<ContainerWaitResponse> ReadAsync()
        {
            using (response)
            {
                return (await response.Content.ReadFromJsonAsync(FlotillaJsonContext.Default.ContainerWaitResponse, ct))!;
            }
        }
    }

    public async Task<ContainerWaitResponse> WaitAsync(string id, string condition = "not-running", CancellationToken ct = default) =>
        await await BeginWaitAsync(id, condition, ct);

    public Task<HijackedConnection> AttachAsync(string id, bool stdin = false, bool tty = false, CancellationToken ct = default) =>
        HijackedConnection.OpenAsync(_transport, $"containers/{id}/attach?stream=1&stdout=1&stderr=1&stdin={(stdin ? 1 : 0)}", null, tty, ct);

    /// <summary>The container's recorded output (then, with <paramref name="follow"/>, its live output) as frames.</summary>
    public async IAsyncEnumerable<OutputFrame> LogsAsync(string id, bool follow = false, bool timestamps = false, string tail = "all",
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        using var response = await _transport.SendAsync(HttpMethod.Get,
            $"containers/{id}/logs?stdout=1&stderr=1&follow={(follow ? 1 : 0)}&timestamps={(timestamps ? 1 : 0)}&tail={Uri.EscapeDataString(tail)}",
            null, ct, HttpCompletionOption.ResponseHeadersRead);
        var reader = new MultiplexedReader(await response.Content.ReadAsStreamAsync(ct));
        while (await reader.ReadAsync(ct) is { } frame)
        {
            yield return frame;
        }
    }

    public Task<ExecCreateResponse> CreateExecAsync(string id, ExecCreateRequest request, CancellationToken ct = default) =>
        _transport.SendJsonAsync(HttpMethod.Post, $"containers/{id}/exec", request, FlotillaJsonContext.Default.ExecCreateRequest, FlotillaJsonContext.Default.ExecCreateResponse, ct);

    /// <summary>Starts an exec on a hijacked connection. The request carries no body: an HTTP upgrade request with a
    /// body cannot be upgraded by the daemon's server, and the exec's options were given at create.</summary>
    public Task<HijackedConnection> StartExecAsync(string execId, bool tty = false, CancellationToken ct = default) =>
        HijackedConnection.OpenAsync(_transport, $"exec/{execId}/start", null, tty, ct);

    public Task<ExecInspect> InspectExecAsync(string execId, CancellationToken ct = default) =>
        _transport.GetJsonAsync($"exec/{execId}/json", FlotillaJsonContext.Default.ExecInspect, ct);

    /// <summary>
    /// What `docker run` does: create, attach, open the wait, start, stream the output live and return the exit code.
    /// With <paramref name="name"/> null the daemon picks a name. Output goes to <paramref name="stdout"/> and
    /// <paramref name="stderr"/>; <paramref name="stdin"/>, when given, is copied to the container (needs OpenStdin).
    /// </summary>
    public async Task<int> RunAsync(ContainerCreateRequest request, Stream stdout, Stream stderr, Stream? stdin = null, string? name = null, CancellationToken ct = default)
    {
        var created = await CreateAsync(request, name, ct);
        var id = created.Id;
        var autoRemove = request.HostConfig?.AutoRemove == true;
        await using var connection = await AttachAsync(id, stdin is not null, request.Tty, ct);
        var exit = await BeginWaitAsync(id, autoRemove ? "removed" : "next-exit", ct);
        await StartAsync(id, ct);

        var input = stdin is null ? Task.CompletedTask : PumpInputAsync(stdin, connection, ct);
        if (connection.Output is { } output)
        {
            await output.CopyToAsync(stdout, stderr, ct);
        }
        else
        {
            await connection.Raw.CopyToAsync(stdout, ct);
        }

        var result = await exit;
        return result.StatusCode;
    }

    private static async Task PumpInputAsync(Stream stdin, HijackedConnection connection, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int n;
            while ((n = await stdin.ReadAsync(buffer, ct)) > 0)
            {
                await connection.WriteInputAsync(buffer.AsMemory(0, n), ct);
            }

            connection.CloseInput();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The container ended first.
        }
    }
}
