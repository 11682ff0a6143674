namespace Flotilla.Tests.Harness;

/// <summary>Where the built daemon and CLI are: out/ beside Runtime.sln (scripts/build makes it).</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Flotillad => Path.Combine(Root, "out", "flotillad", "flotillad");

    public static string Cli => Path.Combine(Root, "out", "bin", "flotilla");

    public static string Script(string name) => Path.Combine(Root, "scripts", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Runtime.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Runtime.sln not found above the test binaries.");
    }
}
