using System.Runtime.InteropServices;
using System.Text;

namespace Flotilla.Images.Tests;

internal static partial class Xattr
{
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint lgetxattr(string path, string name, byte[] value, nuint size);

    /// <summary>The attribute's value, or null when the file has none of that name.</summary>
    public static string? Get(string path, string name) => GetBytes(path, name) is { } value ? Encoding.UTF8.GetString(value) : null;

    public static byte[]? GetBytes(string path, string name)
    {
        var buffer = new byte[256];
        var n = lgetxattr(path, name, buffer, (nuint)buffer.Length);
        return n < 0 ? null : buffer[..(int)n];
    }
}
