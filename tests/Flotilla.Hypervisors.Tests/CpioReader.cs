using System.Text;

namespace Flotilla.Hypervisors.Tests;

/// <summary>Reads newc cpio archives (several, concatenated, as the kernel does) back into name → bytes.</summary>
public static class CpioReader
{
    public static Dictionary<string, byte[]> Read(byte[] data, int start = 0)
    {
        var files = new Dictionary<string, byte[]>();
        var at = start;
        while (at + 110 <= data.Length)
        {
            if (data[at] == 0)
            {
                at = Align(at + 1);
                continue;
            }

            var header = Encoding.ASCII.GetString(data, at, 110);
            if (!header.StartsWith("070701", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"no newc magic at {at}");
            }

            int Field(int i) => Convert.ToInt32(header.Substring(6 + i * 8, 8), 16);
            var size = Field(6);
            var nameSize = Field(11);
            var name = Encoding.UTF8.GetString(data, at + 110, nameSize - 1);
            at = Align(at + 110 + nameSize);
            if (name == "TRAILER!!!")
            {
                // Another archive may follow: the kernel unpacks them all, later files over earlier ones.
                continue;
            }

            if ((Field(1) & 0xF000) == 0x8000)
            {
                files[name] = data[at..(at + size)];
            }
            else
            {
                files[name] = [];
            }

            at = Align(at + size);
        }

        return files;
    }

    private static int Align(int n) => (n + 3) & ~3;
}
