using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
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

    public static readonly Option<string?> Format = new("--format")
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

    /// <summary>Errors go to stderr as "flotilla: MESSAGE".</summary>
    public static void PrintError(string message) => Console.Error.WriteLine($"flotilla: {message}");

    private static readonly JsonSerializerOptions Printed = new()
    {
        WriteIndented = true,
        IndentSize = 4,
        // Commands contain shell text: print "2>&1" as it is, as docker does, not as \u0026.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void PrintJson<T>(T value, JsonTypeInfo<T> type) => PrintJson(JsonSerializer.SerializeToNode(value, type));

    public static void PrintJson(JsonNode? node) => Console.Out.Write((node?.ToJsonString(Printed) ?? "null") + "\n");

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

    /// <summary>
    /// A verb that acts on each named target in turn and prints its name, as docker's stop/kill/rm do; a failure is
    /// reported and the rest still run; the exit code is 1 if any failed.
    /// </summary>
    public static Command ForEach(string name, string description, string targetName, Func<FlotillaClient, string, ParseResult, CancellationToken, Task> act,
        params Option[] options)
    {
        var targets = new Argument<string[]>(targetName) { Arity = ArgumentArity.OneOrMore };
        var command = Verb(name, description, [.. options, targets]);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Client(parse);
            return await EachAsync(parse.GetValue(targets)!, async target =>
            {
                await act(client, target, parse, ct);
                Console.WriteLine(target);
            });
        });
        return command;
    }

    /// <summary>Writes output frames to our stdout and stderr as they come.</summary>
    public static async Task PrintFramesAsync(IAsyncEnumerable<Flotilla.Client.OutputFrame> frames, CancellationToken ct)
    {
        await using var stdout = Console.OpenStandardOutput();
        await using var stderr = Console.OpenStandardError();
        await foreach (var frame in frames)
        {
            var target = frame.Stream == Flotilla.Client.OutputStream.Stderr ? stderr : stdout;
            await target.WriteAsync(frame.Data, ct);
            await target.FlushAsync(ct);
        }
    }

    /// <summary>Acts on each target in turn; a refused one is reported and the rest still run. Exit code 1 if any failed.</summary>
    public static async Task<int> EachAsync(IEnumerable<string> targets, Func<string, Task> act)
    {
        var failed = 0;
        foreach (var target in targets)
        {
            try
            {
                await act(target);
            }
            catch (FlotillaApiException e)
            {
                PrintError(e.Message);
                failed = 1;
            }
        }

        return failed;
    }
}
