namespace Flotilla.Registry;

/// <summary>
/// One step of a pull or push, as docker reports it: <paramref name="Id"/> is a layer's short digest (or a tag),
/// null for a message about the whole image; <paramref name="Current"/>/<paramref name="Total"/> count bytes.
/// </summary>
public sealed record TransferProgress(string? Id, string Status, long? Current = null, long? Total = null);
