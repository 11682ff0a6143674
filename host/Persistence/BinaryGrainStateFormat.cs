using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace Flotilla.Host.Persistence;

/// <summary>
/// Grain state is stored in Orleans' binary format, behind a marker byte: writing Newtonsoft JSON with type names
/// was the largest single cost of a grain write (and of the garbage collections it causes). State written as JSON
/// by earlier versions (it starts with '{', never with the marker) is still read as JSON, and rewritten in binary at
/// its next write.
/// </summary>
public sealed class BinaryGrainStateFormat(IServiceProvider services) : IPostConfigureOptions<AdoNetGrainStorageOptions>
{
    public void PostConfigure(string? name, AdoNetGrainStorageOptions options) =>
        options.GrainStorageSerializer = new Format(services.GetRequiredService<Serializer>(), services.GetRequiredService<IGrainStorageSerializer>());

    private sealed class Format(Serializer binary, IGrainStorageSerializer json) : IGrainStorageSerializer
    {
        private const byte Marker = 0;

        public BinaryData Serialize<T>(T? input)
        {
            var payload = binary.SerializeToArray(input);
            var marked = new byte[payload.Length + 1];
            marked[0] = Marker;
            payload.CopyTo(marked, 1);
            return BinaryData.FromBytes(marked);
        }

        public T Deserialize<T>(BinaryData input)
        {
            var bytes = input.ToMemory();
            return (bytes.Length > 0 && bytes.Span[0] == Marker ? binary.Deserialize<T>(bytes[1..]) : json.Deserialize<T>(input))!;
        }
    }
}
