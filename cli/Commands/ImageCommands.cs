using System.CommandLine;
using Flotilla.Cli.Output;
using Flotilla.Client;
using Flotilla.Client.Models;

namespace Flotilla.Cli.Commands;

/// <summary>images, rmi, image ls|rm|inspect|import|load|tag (and pull|push|history|prune, see RegistryCommands).</summary>
public static class ImageCommands
{
    public static IEnumerable<Command> Create()
    {
        var image = new Command("image", "Manage images");
        foreach (var sub in new[] { List("ls"), Remove("rm"), Inspect(), Import(), Load(), Tag() }.Concat(RegistryCommands.ImageSubcommands()))
        {
            image.Subcommands.Add(sub);
        }

        return [image, List("images"), Remove("rmi"), Tag()];
    }

    private static Command List(string name)
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only show image ids" };
        var digests = new Option<bool>("--digests") { Description = "Show digests" };
        var command = Cli.Verb(name, "List images", quiet, digests, Cli.Format);
        command.SetAction(async (parse, ct) =>
        {
            var json = Cli.Json(parse);
            using var client = Cli.Client(parse);
            var images = await client.Images.ListAsync(ct);
            if (parse.GetValue(quiet))
            {
                images.ForEach(i => Console.WriteLine(Humanize.ShortId(i.Id)));
            }
            else if (json)
            {
                Cli.PrintJson(images, FlotillaJsonContext.Default.ListImageSummary);
            }
            else
            {
                Console.Write(ImagesTable(images, DateTimeOffset.UtcNow, parse.GetValue(digests)));
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// One row per tag, as docker images prints; an untagged image is "&lt;none&gt; &lt;none&gt;", or one row per
    /// repository digest when it has those. With <paramref name="digests"/>, a DIGEST column: the repository's digest.
    /// </summary>
    public static string ImagesTable(IEnumerable<ImageSummary> images, DateTimeOffset now, bool digests = false) =>
        Table.Render(digests ? ["REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"] : ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], images.SelectMany(i =>
            Names(i, digests).Select(tag =>
            {
                // The tag follows the last colon after the last slash (a registry host may carry a port).
                var colon = tag.LastIndexOf(':');
                var (repository, t) = colon > tag.LastIndexOf('/') ? (tag[..colon], tag[(colon + 1)..]) : (tag, "<none>");
                var digest = i.RepoDigests.FirstOrDefault(d => d.StartsWith(repository + "@", StringComparison.Ordinal))?[(repository.Length + 1)..] ?? "<none>";
                IReadOnlyList<string> times = [Humanize.ShortId(i.Id), Humanize.Ago(DateTimeOffset.FromUnixTimeSeconds(i.Created), now), Humanize.Size(i.Size)];
                return (IReadOnlyList<string>)(digests ? [repository, t, digest, .. times] : [repository, t, .. times]);
            })));

    // An image pulled by digest only has no tag but is listed under its repository, as docker does with --digests.
    private static IEnumerable<string> Names(ImageSummary i, bool digests) =>
        i.RepoTags.Count > 0 ? i.RepoTags
        : digests && i.RepoDigests.Count > 0 ? i.RepoDigests.Select(d => d[..d.IndexOf('@')]).Distinct()
        : ["<none>:<none>"];

    private static Command Remove(string name)
    {
        var force = new Option<bool>("--force", "-f") { Description = "Force removal of the image" };
        var images = new Argument<string[]>("images") { Arity = ArgumentArity.OneOrMore };
        var command = Cli.Verb(name, "Remove one or more images", force, images);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            return await Cli.EachAsync(parse.GetValue(images)!, async image =>
            {
                foreach (var item in await client.Images.RemoveAsync(image, parse.GetValue(force), ct))
                {
                    Console.WriteLine(item.Untagged is not null ? $"Untagged: {item.Untagged}" : $"Deleted: {item.Deleted}");
                }
            });
        });
        return command;
    }

    private static Command Inspect()
    {
        var images = new Argument<string[]>("images") { Arity = ArgumentArity.OneOrMore };
        var command = Cli.Verb("inspect", "Show low-level information on images (JSON)", images, Cli.Format);
        command.SetAction(async (parse, ct) =>
        {
            Cli.Json(parse);
            using var client = Cli.Client(parse);
            var results = new List<ImageInspect>();
            var failed = await Cli.EachAsync(parse.GetValue(images)!, async image => results.Add(await client.Images.InspectAsync(image, ct)));

            Cli.PrintJson(results, FlotillaJsonContext.Default.ListImageInspect);
            return failed;
        });
        return command;
    }

    private static Command Import()
    {
        var change = new Option<string[]>("--change", "-c") { Description = "Apply an instruction to the image (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL)" };
        var file = new Argument<string>("file") { Description = "Root filesystem tarball (plain or gzipped), or - for stdin" };
        var reference = new Argument<string?>("reference") { Description = "NAME[:TAG] for the new image", Arity = ArgumentArity.ZeroOrOne };
        var command = Cli.Verb("import", "Import a root filesystem tarball as an image", change, file, reference);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            var path = parse.GetValue(file)!;
            await using var input = path == "-" ? Console.OpenStandardInput() : OpenInput(path);
            Console.WriteLine(await client.Images.ImportAsync(input, parse.GetValue(reference), changes: parse.GetValue(change), ct: ct));
            return 0;
        });
        return command;
    }

    private static Command Load()
    {
        var input = new Option<string?>("--input", "-i") { Description = "Read from a tar archive file instead of stdin" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Suppress the load output" };
        var command = Cli.Verb("load", "Load an image from a `docker save` or OCI layout tar archive", input, quiet);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            await using var stream = parse.GetValue(input) is { } path ? OpenInput(path) : Console.OpenStandardInput();
            foreach (var line in await client.Images.LoadAsync(stream, ct))
            {
                if (!parse.GetValue(quiet))
                {
                    Console.WriteLine(line);
                }
            }

            return 0;
        });
        return command;
    }

    private static Command Tag()
    {
        var source = new Argument<string>("source");
        var target = new Argument<string>("target");
        var command = Cli.Verb("tag", "Create a tag TARGET that refers to SOURCE", source, target);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Cli.Client(parse);
            await client.Images.TagAsync(parse.GetValue(source)!, parse.GetValue(target)!, null, ct);
            return 0;
        });
        return command;
    }

    private static FileStream OpenInput(string path) =>
        File.Exists(path) ? File.OpenRead(path) : throw new FileNotFoundException($"cannot read '{path}': no such file (give a tar archive, or - for stdin)");
}
