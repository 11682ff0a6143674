using Orleans.Serialization;
using Orleans.Storage;

namespace Flotilla.Host.Persistence;

/// <summary>
/// Grain state is stored in Orleans' binary format, behind a marker byte: writing Newtonsoft JSON with type names
/// was the largest single cost of a grain write (and of the garbage collections it causes). State written as JSON
/// by earlier versions (it starts with '{', never with the marker) is still read as JSON, and rewritten in binary at
/// its next write.
/// </summary>
public sealed class GrainStateFormat(Serializer binary, IGrainStorageSerializer json)
{
    private const byte Marker = 0;

    public byte[] Serialize<T>(T input)
    {
        var payload = binary.SerializeToArray(input);
        var marked = new byte[payload.Length + 1];
        marked[0] = Marker;
        payload.CopyTo(marked, 1);
        return marked;
    }

    public T Deserialize<T>(byte[] stored) =>
        (stored.Length > 0 && stored[0] == Marker
            ? binary.Deserialize<T>(stored.AsMemory(1))
            : json.Deserialize<T>(new BinaryData(stored)))!;
}
