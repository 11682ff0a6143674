namespace Flotilla.Images.Tests;

/// <summary>What is on disk in a store (blobs, unpacked layers, index, stray temp files), to show nothing changed.</summary>
public static class StoreState
{
    public static string Of(string root)
    {
        string List(string dir) => Directory.Exists(Path.Combine(root, dir))
            ? string.Join(",", Directory.GetFileSystemEntries(Path.Combine(root, dir)).Select(Path.GetFileName).Order())
            : "";

        var index = File.Exists(Path.Combine(root, "index.json")) ? File.ReadAllText(Path.Combine(root, "index.json")) : "";
        return $"blobs=[{List("blobs/sha256")}] layers=[{List("layers")}] tmp=[{List("tmp")}] index={index}";
    }
}
