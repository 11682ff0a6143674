namespace Flotilla.Client.Models;

/// <summary>
/// One step of a pull or push as the daemon reports it: <paramref name="Id"/> is a layer's short digest (null for
/// the whole image), <paramref name="Status"/> docker's wording ("Downloading", "Pull complete", …), and
/// <paramref name="Current"/>/<paramref name="Total"/> the bytes done so far, when it counts them.
/// </summary>
public sealed record PullProgress(string? Id, string Status, long? Current, long? Total);
