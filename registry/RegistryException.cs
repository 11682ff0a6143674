using Flotilla.Images;

namespace Flotilla.Registry;

/// <summary>A registry error said for the user: which registry and image, what went wrong, what to do.</summary>
public sealed class RegistryException(ImageStoreErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>NotFound (unknown repository, tag or blob), InvalidInput (bad content, bad credentials), Failed (the registry failed).</summary>
    public ImageStoreErrorKind Kind { get; } = kind;

    public bool Unauthorized { get; init; }

    public static RegistryException Invalid(string message) => new(ImageStoreErrorKind.InvalidInput, message);

    public static RegistryException NotFound(string message) => new(ImageStoreErrorKind.NotFound, message);

    public static RegistryException Failed(string message, Exception? inner = null) => new(ImageStoreErrorKind.Failed, message, inner);
}
