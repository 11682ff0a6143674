using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Flotilla.Images.Tests;

/// <summary>A fresh image store in its own directory (removed afterwards), with its log captured.</summary>
public sealed class TestStore : IDisposable
{
    // One prefix per test run; directories of earlier (crashed) runs are removed when the first store is made.
    private static readonly string RunRoot = CreateRunRoot();

    public TestStore()
    {
        Directory = Path.Combine(RunRoot, Guid.NewGuid().ToString("N")[..12]);
        Root = Path.Combine(Directory, "store");
        Sentinel = Path.Combine(Directory, "sentinel");
        System.IO.Directory.CreateDirectory(Sentinel);
        File.WriteAllText(Path.Combine(Sentinel, "file"), "original");
        Store = Open();
    }

    /// <summary>This test's directory: the store and the sentinel live under it.</summary>
    public string Directory { get; }

    public string Root { get; }

    /// <summary>A directory outside the store that hostile archives aim at; it must never change.</summary>
    public string Sentinel { get; }

    public ImageStore Store { get; private set; }

    public CapturingLogger Log { get; } = new();

    /// <summary>Opens the store again, as a restarted daemon would.</summary>
    public ImageStore Reopen() => Store = Open();

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private ImageStore Open() => new(Root, Log);

    private static string CreateRunRoot()
    {
        var parent = Path.Combine(Path.GetTempPath(), "flotilla-images-tests");
        System.IO.Directory.CreateDirectory(parent);
        foreach (var old in System.IO.Directory.GetDirectories(parent))
        {
            if (System.IO.Directory.GetLastWriteTimeUtc(old) < DateTime.UtcNow.AddHours(-1))
            {
                System.IO.Directory.Delete(old, recursive: true);
            }
        }

        var run = Path.Combine(parent, $"run-{Environment.ProcessId}-{DateTime.UtcNow:HHmmss}");
        System.IO.Directory.CreateDirectory(run);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (System.IO.Directory.Exists(run) && !System.IO.Directory.EnumerateFileSystemEntries(run).Any())
            {
                System.IO.Directory.Delete(run);
            }
        };
        return run;
    }
}

public sealed class CapturingLogger : ILogger
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Messages.Enqueue($"{logLevel}: {formatter(state, exception)}");
}
