using Flotilla.Guest;
using Flotilla.Plugins;

namespace Flotilla.Hypervisor.Kvm;

/// <summary>The guest's frames as QEMU wrote them to the channel file: the container's output, then its exit code.</summary>
internal static class ChannelFile
{
    /// <summary>Every output frame in order; with <paramref name="follow"/> it waits for more until the VM is gone.</summary>
    public static async IAsyncEnumerable<Frame> ReadAsync(string path, Func<bool> vmGone, bool follow,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            yield break;
        }

        await using var stream = new GrowingFileStream(path, follow ? vmGone : () => true);
        var reader = new FrameReader(stream);
        while (true)
        {
            Frame? frame;
            try
            {
                frame = await reader.ReadAsync(ct);
            }
            catch (EndOfStreamException)
            {
                // The VM died in the middle of a frame: what came before is all there is.
                yield break;
            }

            if (frame is not { } f)
            {
                yield break;
            }

            yield return f;
            if (f.Type == FrameType.Exit)
            {
                yield break;
            }
        }
    }

    /// <summary>The exit code the guest reported, if it got that far.</summary>
    public static async Task<int?> ReadExitCodeAsync(string path, CancellationToken ct)
    {
        await foreach (var frame in ReadAsync(path, () => true, follow: false, ct))
        {
            if (frame.Type == FrameType.Exit)
            {
                return frame.Number;
            }
        }

        return null;
    }

    /// <summary>Whether the guest has sent anything: the first frame comes once the command runs.</summary>
    public static bool GuestStarted(string path) => File.Exists(path) && new FileInfo(path).Length >= Frame.HeaderSize;

    public static StdStream? ToStdStream(FrameType type) => type switch
    {
        FrameType.Stdout => StdStream.Stdout,
        FrameType.Stderr => StdStream.Stderr,
        _ => null,
    };
}
