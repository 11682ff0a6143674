using System.Diagnostics;

namespace Flotilla.Hypervisor.MacOS;

/// <summary>Runs vfkit as a child of the daemon, its output appended to a file beside the container's console log.</summary>
public sealed class SystemProcessLauncher : IProcessLauncher
{
    public IVmProcess Start(string file, IReadOnlyList<string> args, string outputLog)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var log = new StreamWriter(outputLog, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new SystemProcess(process, log);
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.WriteLine(line);
            }
        }
    }

    private sealed class SystemProcess(Process process, StreamWriter log) : IVmProcess
    {
        public Task Exited { get; } = process.WaitForExitAsync();

        public void Kill()
        {
            try
            {
                process.Kill();
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }
        }

        public void Dispose()
        {
            process.Dispose();
            lock (log)
            {
                log.Dispose();
            }
        }
    }
}
