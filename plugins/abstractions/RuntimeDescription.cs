namespace Flotilla.Plugins;

/// <param name="Name">As in <see cref="IContainerRuntime.Name"/>.</param>
/// <param name="Facts">Ordered key/value facts shown by <c>flotilla info</c> ("OCI runtime" → "crun 1.8.1").</param>
/// <param name="Warnings">What the user should know about this host (e.g. a cgroup layout worked around).</param>
public sealed record RuntimeDescription(
    string Name,
    IReadOnlyList<KeyValuePair<string, string>> Facts,
    IReadOnlyList<string> Warnings);
