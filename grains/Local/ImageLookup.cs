using Flotilla.Grains.Containers;
using Flotilla.Images;

namespace Flotilla.Grains.Local;

/// <summary>The node's image store as containers see it: a reference in, what to run and its layers out.</summary>
public sealed class ImageLookup(ImageStore store)
{
    public ImageStore Store => store;

    public async Task<ResolvedImage> ResolveAsync(string reference)
    {
        ImageRecord image;
        try
        {
            image = store.Resolve(reference);
        }
        catch (ImageStoreException e)
        {
            throw new FlotillaException(
                e.Kind switch { ImageStoreErrorKind.NotFound => ErrorKind.NotFound, ImageStoreErrorKind.InvalidInput => ErrorKind.InvalidInput, _ => ErrorKind.Failed },
                e.Kind == ImageStoreErrorKind.NotFound
                    ? $"{e.Message}. Import it with `flotilla image import` or load it with `flotilla image load`."
                    : e.Message);
        }

        var c = image.Config.Config;
        var defaults = new ImageDefaults(c.Env ?? [], c.Entrypoint, c.Cmd, c.WorkingDir, c.User);
        return new ResolvedImage(image.Id, defaults, await store.GetLayerDirectoriesAsync(image, CancellationToken.None));
    }

    public int Count() => store.List().Count;

    public bool Has(string reference)
    {
        try
        {
            store.Resolve(reference);
            return true;
        }
        catch (ImageStoreException)
        {
            return false;
        }
    }
}
