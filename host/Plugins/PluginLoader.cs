using System.Reflection;
using Flotilla.Plugins;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Logging;

namespace Flotilla.Host.Plugins;

/// <summary>
/// Loads plugin assemblies, each in its own load context that shares only the contracts with the daemon.
/// The one place that knows McMaster.NETCore.Plugins: a plain collectible AssemblyLoadContext could replace it here.
/// </summary>
public sealed class PluginLoader(ILogger<PluginLoader> logger)
{
    // Types whose identity must be the daemon's own so that plugin objects can be used through the contracts.
    private static readonly Type[] SharedTypes = [typeof(IFlotillaPlugin), typeof(ILogger), typeof(ILoggerFactory)];

    // Static: held for the daemon's life. A collectible load context starts unloading when its object is collected
    // (its finalizer does), and a plugin's dependency that is loaded on first use then fails to load.
    private static readonly List<PluginLoaderHandle> Loaded = [];

    private sealed record PluginLoaderHandle(string Name, McMaster.NETCore.Plugins.PluginLoader Loader);

    /// <summary>Every plugin under <paramref name="directory"/>: one folder each, holding FOLDER.dll.</summary>
    public IReadOnlyList<IFlotillaPlugin> LoadAll(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"The plugins directory {directory} does not exist. Install flotillad with scripts/build, or pass --plugins-dir.");
        }

        var plugins = new List<IFlotillaPlugin>();
        foreach (var folder in Directory.GetDirectories(directory).Order())
        {
            var assemblyPath = Path.Combine(folder, Path.GetFileName(folder) + ".dll");
            if (File.Exists(assemblyPath))
            {
                plugins.AddRange(Load(assemblyPath));
            }
        }

        return plugins;
    }

    public IReadOnlyList<IFlotillaPlugin> Load(string assemblyPath)
    {
        var loader = McMaster.NETCore.Plugins.PluginLoader.CreateFromAssemblyFile(
            assemblyPath, isUnloadable: true, sharedTypes: SharedTypes, config => config.PreferSharedTypes = true);
        var assembly = loader.LoadDefaultAssembly();
        var plugins = PluginTypes(assembly).Select(t => (IFlotillaPlugin)Activator.CreateInstance(t)!).ToList();
        if (plugins.Count == 0)
        {
            loader.Dispose();
            throw new InvalidOperationException($"{assemblyPath} holds no public class that implements {nameof(IFlotillaPlugin)}.");
        }

        Loaded.Add(new PluginLoaderHandle(assembly.GetName().Name!, loader));
        logger.LogInformation("Loaded plugin assembly {Assembly} ({Plugins})", assemblyPath, string.Join(", ", plugins.Select(p => p.Name)));
        return plugins;
    }

    private static IEnumerable<Type> PluginTypes(Assembly assembly) =>
        assembly.GetExportedTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IFlotillaPlugin).IsAssignableFrom(t));
}
