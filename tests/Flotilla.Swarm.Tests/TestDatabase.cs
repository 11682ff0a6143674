using Flotilla.Tests.Harness;

namespace Flotilla.Swarm.Tests;

/// <summary>A database of its own for one test swarm, on the PostgreSQL that scripts/postgres runs.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string name) => Name = name;

    public string Name { get; }

    public string ConnectionString(string host) => $"Host={host};Username=flotilla;Password=flotilla;Database={Name};Timeout=5;Command Timeout=5";

    public static async Task<TestDatabase> CreateAsync()
    {
        var started = await Run.ProcessAsync(Repo.Script("postgres"), []);
        if (started.ExitCode != 0)
        {
            throw new InvalidOperationException($"PostgreSQL could not be started: {started}");
        }

        var database = new TestDatabase("flotilla_test_" + Guid.NewGuid().ToString("N")[..8]);
        var made = await Run.ShellAsync($"runuser -u postgres -- createdb -O flotilla {database.Name}");
        return made.ExitCode == 0 ? database : throw new InvalidOperationException($"createdb failed: {made}");
    }

    public async ValueTask DisposeAsync() =>
        await Run.ShellAsync($"runuser -u postgres -- dropdb --force --if-exists {Name}");
}
