using System.Text;
using Orleans.Storage;

namespace Flotilla.Host.Persistence;

/// <summary>
/// Where one grain's state lives in the OrleansStorage table: the columns Orleans' ADO.NET provider keyed rows by,
/// computed as it computed them, so state that provider wrote is still found.
/// </summary>
public sealed record StateKey(int IdHash, long N0, long N1, int TypeHash, string Type, string Extension, string ServiceId)
{
    private static readonly OrleansDefaultHasher Hasher = new();

    public static StateKey For(string serviceId, string stateName, GrainId grainId)
    {
        long n0 = 0, n1 = 0;
        string? extension;
        byte[] idBytes;
        if (grainId.TryGetGuidKey(out var guid, out extension))
        {
            idBytes = guid.ToByteArray();
            n0 = BitConverter.ToInt64(idBytes, 0);
            n1 = BitConverter.ToInt64(idBytes, 8);
        }
        else if (grainId.TryGetIntegerKey(out n1, out extension))
        {
            idBytes = BitConverter.GetBytes(n1);
        }
        else
        {
            extension = grainId.Key.ToString();
            idBytes = [];
        }

        if (extension is not null)
        {
            idBytes = [.. idBytes, .. Encoding.UTF8.GetBytes(extension)];
        }

        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(idBytes);
        }

        return new StateKey(Hasher.Hash(idBytes), n0, n1, Hasher.Hash(Encoding.UTF8.GetBytes(stateName)), stateName, extension ?? "", serviceId);
    }
}
