namespace Flotilla.Images;

/// <summary>A container that uses an image, as the daemon knows it (the store knows no containers).</summary>
/// <param name="ContainerId">The container's id.</param>
/// <param name="Running">A running container's image cannot be removed even with force; a stopped one's can be untagged.</param>
public sealed record ImageUse(string ContainerId, bool Running);
