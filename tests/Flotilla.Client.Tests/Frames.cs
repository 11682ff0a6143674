using System.Buffers.Binary;
using System.Text;

namespace Flotilla.Client.Tests;

/// <summary>Builds docker's multiplexed stream: header (type, 0, 0, 0, big-endian length) then payload.</summary>
internal static class Frames
{
    public static byte[] Of(params (int Type, string Text)[] frames)
    {
        var output = new MemoryStream();
        foreach (var (type, text) in frames)
        {
            var payload = Encoding.UTF8.GetBytes(text);
            var header = new byte[8];
            header[0] = (byte)type;
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)payload.Length);
            output.Write(header);
            output.Write(payload);
        }

        return output.ToArray();
    }
}
