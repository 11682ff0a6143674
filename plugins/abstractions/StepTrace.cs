using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Flotilla.Plugins;

/// <summary>
/// Times the steps of one operation on a container and logs them on one Debug line ("create abc: overlay 1.2 ms,
/// bundle 0.4 ms; 1.6 ms"), so that where a container's milliseconds go can be read from the daemon's log. Costs
/// nothing when Debug is off.
/// </summary>
public sealed class StepTrace
{
    private readonly ILogger _logger;
    private readonly string _operation;
    private readonly string _id;
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly StringBuilder? _steps;
    private long _last;

    public StepTrace(ILogger logger, string operation, string id)
    {
        _logger = logger;
        _operation = operation;
        _id = id;
        _last = _start;
        _steps = logger.IsEnabled(LogLevel.Debug) ? new StringBuilder() : null;
    }

    /// <summary>Ends the step that began at the previous one (or at the start).</summary>
    public void Step(string name)
    {
        if (_steps is null)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        _steps.Append(_steps.Length == 0 ? "" : ", ").Append(name).Append(' ')
            .Append(Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)).Append(" ms");
        _last = now;
    }

    public void Done()
    {
        if (_steps is not null)
        {
            _logger.LogDebug("{Operation} {ContainerId}: {Steps}; {TotalMs:F1} ms", _operation, _id[..Math.Min(12, _id.Length)], _steps.ToString(),
                Stopwatch.GetElapsedTime(_start).TotalMilliseconds);
        }
    }
}
