using System.Text.Json;
using Flotilla.Grains;

namespace Flotilla.Host.Api;

/// <summary>docker's query parameter conventions: booleans as 1/true/0/false, filters as JSON.</summary>
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

    /// <summary>docker's filters: a JSON object of name → values (or name → {value: true}).</summary>
    public static Dictionary<string, List<string>> Filters(HttpRequest request)
    {
        var text = Query.String(request, "filters");
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (text is null)
        {
            return result;
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                result[property.Name] = property.Value.ValueKind == JsonValueKind.Array
                    ? [.. property.Value.EnumerateArray().Select(v => v.GetString() ?? "")]
                    : [.. property.Value.EnumerateObject().Select(p => p.Name)];
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw FlotillaException.Invalid($"Query parameter filters is not valid: {e.Message}. Expected JSON like {{\"service\":[\"web\"]}}.");
        }

        return result;
    }
}
