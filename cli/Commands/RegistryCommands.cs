using System.CommandLine;
using Flotilla.Cli.Output;
using Flotilla.Cli.Registry;
using Flotilla.Client;
using Flotilla.Client.Models;

namespace Flotilla.Cli.Commands;

/// <summary>pull, push, login, logout; image history and image prune.</summary>
public static class RegistryCommands
{
    public static IEnumerable<Command> Create() => [Pull(), Push(), Login(), Logout(), History("history")];

    /// <summary>Subcommands of `image`.</summary>
    public static IEnumerable<Command> ImageSubcommands() => [Pull(), Push(), History("history"), Prune()];

    /// <summary>Pulls with the stored credentials for the image's registry, showing progress on <paramref name="output"/>.</summary>
    public static async Task PullAsync(FlotillaClient client, string reference, string? platform, bool quiet, TextWriter output, bool redirected, CancellationToken ct)
    {
        var auth = CredentialStore.ForCurrentUser().Find(CredentialStore.RegistryOf(reference));
        await client.Images.PullAsync(reference, auth, ProgressDisplay.For(output, redirected, quiet), ct, platform);
    }

    private static Command Pull()
    {
        var platform = new Option<string?>("--platform") { Description = "Pull the image for this platform (os/arch[/variant]) from a multi-platform image" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Suppress the progress output" };
        var reference = new Argument<string>("name") { Description = "NAME[:TAG|@DIGEST]" };
        var command = Cli.Verb("pull", "Download an image from a registry", platform, quiet, reference);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var name = parse.GetValue(reference)!;
            await PullAsync(client, name, parse.GetValue(platform), parse.GetValue(quiet), Console.Out, Console.IsOutputRedirected, ct);
            Console.WriteLine(FullName(name));
            return 0;
        });
        return command;
    }

    private static Command Push()
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Suppress the progress output" };
        var reference = new Argument<string>("name") { Description = "NAME[:TAG] of a stored image" };
        var command = Cli.Verb("push", "Upload an image to a registry", quiet, reference);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var name = parse.GetValue(reference)!;
            var auth = CredentialStore.ForCurrentUser().Find(CredentialStore.RegistryOf(name));
            var digest = await client.Images.PushAsync(name, auth, ProgressDisplay.For(Console.Out, Console.IsOutputRedirected, parse.GetValue(quiet)), ct);
            if (parse.GetValue(quiet))
            {
                Console.WriteLine(digest);
            }

            return 0;
        });
        return command;
    }

    private static Command Login()
    {
        var username = new Option<string?>("--username", "-u") { Description = "User name" };
        var password = new Option<string?>("--password", "-p") { Description = "Password (prefer --password-stdin: a command line is visible to others)" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from stdin" };
        var server = new Argument<string?>("server") { Description = "Registry (host[:port]); Docker Hub when omitted", Arity = ArgumentArity.ZeroOrOne };
        var command = Cli.Verb("login", "Log in to a registry", username, password, passwordStdin, server);
        command.SetAction(async (parse, ct) =>
        {
            var registry = parse.GetValue(server) ?? "docker.io";
            var user = parse.GetValue(username);
            var secret = parse.GetValue(password);
            if (parse.GetValue(passwordStdin))
            {
                if (secret is not null)
                {
                    throw new ArgumentException("--password and --password-stdin are mutually exclusive");
                }

                if (user is null)
                {
                    throw new ArgumentException("--password-stdin needs --username");
                }

                secret = (await Console.In.ReadToEndAsync(ct)).TrimEnd('\n', '\r');
            }

            user ??= Prompt("Username: ", echo: true);
            secret ??= Prompt("Password: ", echo: false);
            if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(secret))
            {
                throw new ArgumentException("a user name and a password are needed (-u USER --password-stdin)");
            }

            using var client = Cli.Client(parse);
            await client.Images.LoginAsync(new AuthConfig { Username = user, Password = secret, ServerAddress = registry }, ct);
            var store = CredentialStore.ForCurrentUser();
            store.Save(registry, user, secret);
            Console.WriteLine($"Login Succeeded (credentials stored in {store.Path})");
            return 0;
        });
        return command;
    }

    private static Command Logout()
    {
        var server = new Argument<string?>("server") { Description = "Registry (host[:port]); Docker Hub when omitted", Arity = ArgumentArity.ZeroOrOne };
        var command = Cli.Verb("logout", "Log out from a registry", server);
        command.SetAction(parse =>
        {
            var registry = parse.GetValue(server) ?? "docker.io";
            Console.WriteLine(CredentialStore.ForCurrentUser().Remove(registry)
                ? $"Removing login credentials for {CredentialStore.KeyOf(registry)}"
                : $"Not logged in to {CredentialStore.KeyOf(registry)}");
            return 0;
        });
        return command;
    }

    private static Command History(string name)
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only show image ids" };
        var image = new Argument<string>("image");
        var command = Cli.Verb(name, "Show the history of an image", quiet, Cli.Format, image);
        command.SetAction(async (parse, ct) =>
        {
            var json = Cli.Json(parse);
            using var client = Cli.Client(parse);
            var history = await client.Images.HistoryAsync(parse.GetValue(image)!, ct);
            if (parse.GetValue(quiet))
            {
                history.ForEach(h => Console.WriteLine(h.Id == "<missing>" ? h.Id : Humanize.ShortId(h.Id)));
            }
            else if (json)
            {
                Cli.PrintJson(history, FlotillaJsonContext.Default.ListImageHistoryItem);
            }
            else
            {
                var now = DateTimeOffset.UtcNow;
                Console.Write(Table.Render(["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"], history.Select(h => (IReadOnlyList<string>)
                [
                    h.Id == "<missing>" ? h.Id : Humanize.ShortId(h.Id), Humanize.Ago(DateTimeOffset.FromUnixTimeSeconds(h.Created), now),
                    h.CreatedBy.Length > 45 ? h.CreatedBy[..44] + "…" : h.CreatedBy, Humanize.Size(h.Size), h.Comment,
                ])));
            }

            return 0;
        });
        return command;
    }

    private static Command Prune()
    {
        var all = new Option<bool>("--all", "-a") { Description = "Remove all images no container uses, not only unnamed ones" };
        var force = new Option<bool>("--force", "-f") { Description = "Do not ask for confirmation" };
        var command = Cli.Verb("prune", "Remove unused images", all, force);
        command.SetAction(async (parse, ct) =>
        {
            if (!parse.GetValue(force) && !Console.IsInputRedirected)
            {
                Console.Write(parse.GetValue(all)
                    ? "WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue? [y/N] "
                    : "WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ");
                if (Console.ReadLine()?.Trim().ToLowerInvariant() is not ("y" or "yes"))
                {
                    return 0;
                }
            }

            using var client = Cli.Client(parse);
            var pruned = await client.Images.PruneAsync(parse.GetValue(all), ct);
            if (pruned.ImagesDeleted is { Count: > 0 } deleted)
            {
                Console.WriteLine("Deleted Images:");
                foreach (var d in deleted)
                {
                    Console.WriteLine(d.Untagged is not null ? $"untagged: {d.Untagged}" : $"deleted: {d.Deleted}");
                }

                Console.WriteLine();
            }

            Console.WriteLine($"Total reclaimed space: {Humanize.Size(pruned.SpaceReclaimed)}");
            return 0;
        });
        return command;
    }

    /// <summary>What docker pull prints last: the full name (docker.io/library/busybox:latest).</summary>
    private static string FullName(string reference)
    {
        var registry = CredentialStore.RegistryOf(reference);
        var hasRegistry = reference.Contains('/') && reference[..reference.IndexOf('/')] is var first && (first == "localhost" || first.Contains('.') || first.Contains(':'));
        var path = hasRegistry ? reference[(reference.IndexOf('/') + 1)..] : reference;
        if (registry == "docker.io" && !path.Contains('/'))
        {
            path = "library/" + path;
        }

        var lastSlash = path.LastIndexOf('/');
        var tagged = path.IndexOf('@') >= 0 || path.LastIndexOf(':') > lastSlash;
        return $"{registry}/{path}{(tagged ? "" : ":latest")}";
    }

    private static string? Prompt(string label, bool echo)
    {
        if (Console.IsInputRedirected)
        {
            return null;
        }

        Console.Write(label);
        if (echo)
        {
            return Console.ReadLine();
        }

        var secret = new System.Text.StringBuilder();
        while (Console.ReadKey(intercept: true) is var key && key.Key != ConsoleKey.Enter)
        {
            if (key.Key == ConsoleKey.Backspace && secret.Length > 0)
            {
                secret.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                secret.Append(key.KeyChar);
            }
        }

        Console.WriteLine();
        return secret.ToString();
    }
}
