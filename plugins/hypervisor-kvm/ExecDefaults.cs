using System.Text;
using Flotilla.Guest;
using Flotilla.Plugins;

namespace Flotilla.Hypervisor.Kvm;

/// <summary>What an exec inherits from its container: env, working directory, uid and gid (exec's -e, -w, -u override them).</summary>
internal sealed record ExecDefaults(IReadOnlyList<string> Env, string WorkingDir, uint Uid, uint Gid)
{
    // Stored NUL-separated (uid, gid, workdir, then the env), as the guest takes it: env entries may hold newlines.
    public static Task WriteAsync(string path, ExecDefaults d, CancellationToken ct) =>
        File.WriteAllTextAsync(path, string.Concat(new[] { d.Uid.ToString(), d.Gid.ToString(), d.WorkingDir }.Concat(d.Env).Select(v => v + "\0")), ct);

    public static async Task<ExecDefaults> ReadAsync(string path, CancellationToken ct)
    {
        var fields = (await File.ReadAllTextAsync(path, ct)).Split('\0')[..^1];
        return new ExecDefaults(fields[3..], fields[2], uint.Parse(fields[0]), uint.Parse(fields[1]));
    }

    /// <summary>The container's env with the exec's entries replacing those of the same name, as runtime-linux does.</summary>
    public static List<string> Merge(IEnumerable<string> container, IReadOnlyList<string> exec)
    {
        var env = container.ToList();
        foreach (var entry in exec)
        {
            env.RemoveAll(e => e.Split('=')[0] == entry.Split('=')[0]);
            env.Add(entry);
        }

        return env;
    }

    /// <summary>The exec frame's payload as init.c's start_exec reads it: tty, uid, gid, workdir, argc, argv, env, each NUL-terminated.</summary>
    public static byte[] Request(IReadOnlyList<string> args, IReadOnlyList<string> env, string workdir, uint uid, uint gid, bool tty)
    {
        if (args.Count == 0)
        {
            throw new PluginException("exec needs a command", PluginErrorKind.InvalidInput);
        }

        var fields = new[] { tty ? "1" : "0", uid.ToString(), gid.ToString(), string.IsNullOrEmpty(workdir) ? "/" : workdir, args.Count.ToString() }.Concat(args).Concat(env).ToList();
        if (fields.FirstOrDefault(f => f.Contains('\0')) is { } bad)
        {
            throw new PluginException($"exec's command and env cannot contain NUL: \"{bad.Replace("\0", "\\0")}\"", PluginErrorKind.InvalidInput);
        }

        var payload = Encoding.UTF8.GetBytes(string.Concat(fields.Select(f => f + "\0")));
        return payload.Length <= Frame.MaxPayload
            ? payload
            : throw new PluginException($"exec's command and env take {payload.Length} bytes: a VM takes at most {Frame.MaxPayload}", PluginErrorKind.InvalidInput);
    }
}
