using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Flotilla.Client;

namespace Flotilla.Cli.Commands;

/// <summary>What every command shares: the daemon address option, the client, output helpers.</summary>
public static class Cli
{
    public static readonly Option<string?> Host = new("--host", "-H")
    {
        Description = "Daemon socket to connect to (unix:///path); default FLOTILLA_HOST or unix:///run/flotilla/flotilla.sock",
        Recursive = true,
    };

    public static readonly Option<string?> Format = new("--format", "-f")
    {
        Description = "Output format: table (default) or json",
    };

    public static FlotillaClient Client(ParseResult parse)
    {
        var options = new FlotillaClientOptions();
        if (parse.GetValue(Host) is { Length: > 0 } host)
        {
            options.Host = host;
        }

        return new FlotillaClient(options);
    }

    public static bool Json(ParseResult parse) => (parse.GetValue(Format) ?? "table") switch
    {
        "json" or "{{json .}}" => true,
        "table" => false,
        var other => throw new ArgumentException($"--format '{other}' is not supported: use table or json"),
    };

    public static void PrintJson<T>(T value, JsonTypeInfo<T> type)
    {
        var text = JsonSerializer.Serialize(value, type);
        using var doc = JsonDocument.Parse(text);
        using var stdout = Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
        {
            doc.WriteTo(writer);
        }

        stdout.Write("\n"u8);
    }

    public static Command Verb(string name, string description, params Symbol[] symbols)
    {
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Option o:
                    command.Options.Add(o);
                    break;
                case Argument a:
                    command.Arguments.Add(a);
                    break;
            }
        }

        return command;
    }
}
