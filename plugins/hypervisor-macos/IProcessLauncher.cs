namespace Flotilla.Hypervisor.MacOS;

/// <summary>Starts the helper process that holds a VM (vfkit); a seam so the lifecycle above it is testable anywhere.</summary>
public interface IProcessLauncher
{
    /// <param name="outputLog">Where the process' stdout and stderr go.</param>
    IVmProcess Start(string file, IReadOnlyList<string> args, string outputLog);
}

public interface IVmProcess : IDisposable
{
    /// <summary>Completes when the process has exited.</summary>
    Task Exited { get; }

    void Kill();
}
