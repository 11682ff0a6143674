using System.Diagnostics;

namespace Flotilla.Tests.Harness;

/// <summary>Runs a program to completion with a time limit, capturing its output.</summary>
public static class Run
{
    public static async Task<ProcessResult> ProcessAsync(string file, IEnumerable<string> args, IDictionary<string, string>? env = null,
        string? stdin = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
        }

        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', psi.ArgumentList)} did not finish in {timeout ?? TimeSpan.FromSeconds(60)}.\n{await stdout}\n{await stderr}");
        }

        return new ProcessResult(p.ExitCode, await stdout, await stderr);
    }

    public static Task<ProcessResult> ShellAsync(string script, TimeSpan? timeout = null) =>
        ProcessAsync("/bin/sh", ["-c", script], timeout: timeout);
}
