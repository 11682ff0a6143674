using System.Text.RegularExpressions;

namespace Flotilla.Grains.Containers;

/// <summary>Container names: docker's allowed characters, and docker-style random names when none is given.</summary>
public static partial class ContainerNames
{
    private static readonly string[] Adjectives =
        ["brave", "calm", "eager", "fervent", "gallant", "happy", "jolly", "keen", "lucid", "merry", "nimble", "quirky", "serene", "sharp", "tender", "vibrant", "wizardly", "zealous"];

    private static readonly string[] Names =
        ["babbage", "curie", "dijkstra", "einstein", "feynman", "goodall", "hopper", "knuth", "lamport", "lovelace", "noether", "pike", "ritchie", "shannon", "thompson", "turing", "wirth", "yalow"];

    [GeneratedRegex("^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex Valid();

    public static string Validate(string name) =>
        Valid().IsMatch(name)
            ? name.TrimStart('/')
            : throw FlotillaException.Invalid($"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");

    public static string Random() =>
        $"{Adjectives[System.Random.Shared.Next(Adjectives.Length)]}_{Names[System.Random.Shared.Next(Names.Length)]}";
}
