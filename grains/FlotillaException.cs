namespace Flotilla.Grains;

/// <summary>What kind of failure, so that the API can answer with the right status code.</summary>
public enum ErrorKind
{
    Failed,
    InvalidInput,
    NotFound,
    Conflict,
    NotSupported,
    /// <summary>A token or credential was refused.</summary>
    Unauthorized,
    /// <summary>Something the request needs is down (a node, the cluster database); retrying later can work.</summary>
    Unavailable,
}

/// <summary>An error meant for the user: it says which input, what was wrong and what to do.</summary>
[GenerateSerializer]
public sealed class FlotillaException : Exception
{
    public FlotillaException(ErrorKind kind, string message, Exception? inner = null) : base(message, inner) => Kind = kind;

    [Id(0)]
    public ErrorKind Kind { get; init; }

    public static FlotillaException NotFound(string message) => new(ErrorKind.NotFound, message);

    public static FlotillaException Conflict(string message) => new(ErrorKind.Conflict, message);

    public static FlotillaException Invalid(string message) => new(ErrorKind.InvalidInput, message);

    public static FlotillaException Unavailable(string message) => new(ErrorKind.Unavailable, message);
}
