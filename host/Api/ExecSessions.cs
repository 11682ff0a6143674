using System.Collections.Concurrent;
using System.Security.Cryptography;
using Flotilla.Plugins;

namespace Flotilla.Host.Api;

/// <summary>Exec instances of this node, from create to their exit code (docker keeps them in memory too).</summary>
public sealed class ExecSessions
{
    public sealed class Session(string id, string containerId, string runtime, ExecSpec spec)
    {
        public string Id { get; } = id;
        public string ContainerId { get; } = containerId;
        public string Runtime { get; } = runtime;
        public ExecSpec Spec { get; } = spec;
        public bool Running { get; set; }
        public int? ExitCode { get; set; }
        public bool Started { get; set; }
        /// <summary>While it runs: what a resize reaches.</summary>
        public IExecProcess? Process { get; set; }
    }

    private readonly ConcurrentDictionary<string, Session> _sessions = new();

    public Session Create(string containerId, string runtime, ExecSpec spec)
    {
        var session = new Session(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), containerId, runtime, spec);
        _sessions[session.Id] = session;
        return session;
    }

    public Session? Find(string id) => _sessions.GetValueOrDefault(id);

    public void ForgetContainer(string containerId)
    {
        foreach (var s in _sessions.Values.Where(s => s.ContainerId == containerId))
        {
            _sessions.TryRemove(s.Id, out _);
        }
    }
}
