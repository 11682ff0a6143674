using System.Text;
using System.Text.Json;

namespace Flotilla.Client;

/// <summary>docker's <c>filters</c> query parameter: a JSON object of name → values.</summary>
internal static class Filters
{
    /// <summary>"&amp;filters=…", or nothing when there are none.</summary>
    public static string Query(IReadOnlyDictionary<string, List<string>>? filters)
    {
        if (filters is not { Count: > 0 })
        {
            return "";
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, values) in filters)
            {
                writer.WriteStartArray(name);
                values.ForEach(writer.WriteStringValue);
                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return "&filters=" + Uri.EscapeDataString(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
