namespace Flotilla.Host.Api;

/// <summary>docker's query parameter conventions: booleans as 1/true/0/false.</summary>
public static class Query
{
    public static bool Bool(HttpRequest request, string name, bool fallback = false) =>
        request.Query[name].ToString().ToLowerInvariant() switch
        {
            "1" or "true" or "yes" => true,
            "0" or "false" or "no" => false,
            "" => fallback,
            var v => throw new BadHttpRequestException($"Query parameter {name}: '{v}' is not a boolean (use 1 or 0)."),
        };

    public static int? Int(HttpRequest request, string name) =>
        request.Query[name].ToString() is { Length: > 0 } v
            ? int.TryParse(v, out var n) ? n : throw new BadHttpRequestException($"Query parameter {name}: '{v}' is not a whole number.")
            : null;

    public static string? String(HttpRequest request, string name) =>
        request.Query[name].ToString() is { Length: > 0 } v ? v : null;
}
