using System.Diagnostics;
using Flotilla.Plugins;

namespace Flotilla.Runtime.Linux;

/// <summary>Runs the OCI runtime's command line (crun or runc), inside the runtime's mount namespace when there is one.</summary>
public sealed class OciRuntimeCommand(RuntimeSettings settings, RuntimeMountNamespace? mountNamespace)
{
    public string StateRoot => Path.Combine(settings.RunDirectory, settings.OciRuntime);

    /// <summary>argv prefix for anything that must see the runtime's view of the host (conmon, the runtime).</summary>
    public IReadOnlyList<string> Prefix => mountNamespace?.CommandPrefix ?? [];

    // crun refuses the hybrid cgroup layout only where it sets cgroups up (create, exec); start (the exec fifo) and
    // delete (which removes the cgroup directories it recorded) work from the host's namespace, which saves an
    // nsenter on the path of every container.
    private static readonly HashSet<string> HostNamespaceCommands = ["start", "delete"];

    public ProcessStartInfo StartInfo(params string[] args) => StartInfo([], args);

    /// <param name="global">Global options of the runtime (before the command), e.g. --log.</param>
    public ProcessStartInfo StartInfo(string[] global, params string[] args)
    {
        IReadOnlyList<string> prefix = args.Length > 0 && HostNamespaceCommands.Contains(args[0]) ? [] : Prefix;
        IReadOnlyList<string> argv = [.. prefix, settings.OciRuntimePath, "--root", StateRoot, .. global, .. args];
        var psi = new ProcessStartInfo(argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    /// <summary>Runs one command to completion; a non-zero exit throws with the runtime's own message.</summary>
    public async Task<string> RunAsync(CancellationToken ct, params string[] args)
    {
        using var process = Process.Start(StartInfo(args))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            var message = (await stderr).Trim();
            throw new PluginException($"{settings.OciRuntime} {args[0]}: {RuntimeErrors.Clean(message)}", RuntimeErrors.KindOf(message));
        }

        return await stdout;
    }
}
