namespace Flotilla.Grains.Nodes;

/// <summary>docker's rules for naming a container: full id, then exact name, then a unique id prefix.</summary>
public static class ContainerLookup
{
    public static ContainerEntry Resolve(IEnumerable<ContainerEntry> containers, string idOrName)
    {
        if (string.IsNullOrWhiteSpace(idOrName))
        {
            throw FlotillaException.Invalid("No container name or id was given.");
        }

        var all = containers as IReadOnlyCollection<ContainerEntry> ?? [.. containers];
        var name = idOrName.TrimStart('/');
        var match = all.FirstOrDefault(c => c.Id == idOrName) ?? all.FirstOrDefault(c => c.Name == name);
        if (match is not null)
        {
            return match;
        }

        var byPrefix = all.Where(c => c.Id.StartsWith(idOrName, StringComparison.Ordinal)).Take(2).ToList();
        return byPrefix.Count switch
        {
            1 => byPrefix[0],
            0 => throw FlotillaException.NotFound($"No such container: {idOrName}"),
            _ => throw FlotillaException.Invalid($"Multiple IDs found with provided prefix: {idOrName}. Give more characters of the id."),
        };
    }
}
