namespace Flotilla.Images;

public enum ImageStoreErrorKind
{
    Failed,
    InvalidInput,
    NotFound,
    Conflict,
}

/// <summary>An image store error said for the user; the kind picks the API's status code.</summary>
public sealed class ImageStoreException(ImageStoreErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public ImageStoreErrorKind Kind { get; } = kind;

    public static ImageStoreException Invalid(string message) => new(ImageStoreErrorKind.InvalidInput, message);

    public static ImageStoreException NotFound(string message) => new(ImageStoreErrorKind.NotFound, message);

    public static ImageStoreException Conflict(string message) => new(ImageStoreErrorKind.Conflict, message);
}
