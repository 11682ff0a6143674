using System.Diagnostics;
using Flotilla.Grains.Tasks;
using Flotilla.Host.Persistence;
using Flotilla.Host.Swarm;
using Npgsql;
using Orleans.Storage;
using Xunit;

namespace Flotilla.Daemon.Tests;

/// <summary>
/// The grain storage's contract (Orleans' optimistic versions), on a real SQLite file and a real PostgreSQL database
/// (the one scripts/postgres runs, as for the swarm tests), including many grains writing at once, which is what
/// the stores batch.
/// </summary>
public abstract class GrainStorageTests : IAsyncLifetime
{
    private BatchingGrainStorage _storage = null!;

    protected abstract Task<IStateStore> OpenAsync();

    public async Task InitializeAsync() =>
        _storage = new BatchingGrainStorage(await OpenAsync(), GrainStateFormatTests.Serializers().Format, "flotilla");

    public abstract Task DisposeAsync();

    private static GrainId Id(string key) => GrainId.Create("task", key);

    [Fact]
    public async Task A_write_is_read_back_and_each_write_needs_the_version_it_read()
    {
        var id = Id("t-" + Guid.NewGuid().ToString("N"));
        var first = new GrainState<TaskRecord>();
        await _storage.ReadStateAsync("task", id, first);
        Assert.False(first.RecordExists);
        Assert.Null(first.ETag);

        first.State = GrainStateFormatTests.Task;
        await _storage.WriteStateAsync("task", id, first);
        Assert.True(first.RecordExists);

        var second = new GrainState<TaskRecord>();
        await _storage.ReadStateAsync("task", id, second);
        Assert.True(second.RecordExists);
        Assert.Equal(first.ETag, second.ETag);
        Assert.Equal("t1", second.State!.Id);
        Assert.Equal(["sleep", "60"], second.State!.Template!.Command!);

        second.State = second.State! with { Slot = 9 };
        await _storage.WriteStateAsync("task", id, second);
        Assert.NotEqual(first.ETag, second.ETag);

        // The first copy is stale now: its write is refused and changes nothing; so is a first write of a row that exists.
        first.State = first.State with { Slot = 1 };
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("task", id, first));
        var fresh = new GrainState<TaskRecord> { State = GrainStateFormatTests.Task };
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("task", id, fresh));
        var third = new GrainState<TaskRecord>();
        await _storage.ReadStateAsync("task", id, third);
        Assert.Equal(9, third.State!.Slot);
        Assert.Equal(second.ETag, third.ETag);

        await _storage.ClearStateAsync("task", id, third);
        var cleared = new GrainState<TaskRecord>();
        await _storage.ReadStateAsync("task", id, cleared);
        Assert.False(cleared.RecordExists);
        Assert.Equal(third.ETag, cleared.ETag);
        cleared.State = GrainStateFormatTests.Task;
        await _storage.WriteStateAsync("task", id, cleared);
    }

    [Fact]
    public async Task Many_grains_writing_at_once_each_get_their_own_answer()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var states = Enumerable.Range(0, 600).Select(_ => new GrainState<TaskRecord>()).ToArray();
        await Task.WhenAll(states.Select((s, i) => _storage.ReadStateAsync("task", Id($"{run}-{i}"), s)));
        await Task.WhenAll(states.Select(async (s, i) =>
        {
            s.State = GrainStateFormatTests.Task with { Slot = i };
            await _storage.WriteStateAsync("task", Id($"{run}-{i}"), s);
        }));

        // Stale copies of every tenth grain write in the same burst as the next writes of the others: only they fail.
        var stale = states.Where((_, i) => i % 10 == 0).Select(s => new GrainState<TaskRecord>(s.State, null)).ToArray();
        var writes = states.Select(async (s, i) =>
        {
            s.State = s.State! with { Version = 2 };
            await _storage.WriteStateAsync("task", Id($"{run}-{i}"), s);
        }).ToList();
        var conflicts = stale.Select((s, j) => Assert.ThrowsAsync<InconsistentStateException>(() =>
            _storage.WriteStateAsync("task", Id($"{run}-{j * 10}"), s)));
        await Task.WhenAll([.. writes, .. conflicts]);

        var read = Enumerable.Range(0, 600).Select(_ => new GrainState<TaskRecord>()).ToArray();
        await Task.WhenAll(read.Select((s, i) => _storage.ReadStateAsync("task", Id($"{run}-{i}"), s)));
        Assert.All(read.Select((s, i) => (s, i)), x =>
        {
            Assert.Equal(x.i, x.s.State!.Slot);
            Assert.Equal(2, x.s.State!.Version);
        });
    }
}

public sealed class SqliteGrainStorageTests : GrainStorageTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("flotilla-storage-").FullName;
    private SqliteStateStore? _store;

    protected override Task<IStateStore> OpenAsync()
    {
        var path = Path.Combine(_directory, "state.db");
        SqliteGrainStorageSchema.EnsureCreated(path);
        _store = new SqliteStateStore(path);
        return Task.FromResult<IStateStore>(_store);
    }

    public override Task DisposeAsync()
    {
        _store?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class PostgresGrainStorageTests : GrainStorageTests
{
    private readonly string _database = "flotilla_storage_" + Guid.NewGuid().ToString("N")[..8];
    private NpgsqlDataSource? _source;

    protected override async Task<IStateStore> OpenAsync()
    {
        await PostgresAsync("scripts/postgres");
        await PostgresAsync("runuser", "-u", "postgres", "--", "createdb", "-O", "flotilla", _database);
        var connectionString = $"Host=127.0.0.1;Username=flotilla;Password=flotilla;Database={_database}";
        await ClusterSchema.EnsureAsync(connectionString, CancellationToken.None);
        _source = NpgsqlDataSource.Create(ClusterSchema.ForProviders(connectionString));
        return new PostgresStateStore(_source);
    }

    public override async Task DisposeAsync()
    {
        if (_source is not null)
        {
            await _source.DisposeAsync();
        }

        await PostgresAsync("runuser", "-u", "postgres", "--", "dropdb", "--force", "--if-exists", _database);
    }

    private static async Task PostgresAsync(string program, params string[] arguments)
    {
        var repo = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(repo, "Runtime.sln")))
        {
            repo = Path.GetDirectoryName(repo) ?? throw new InvalidOperationException("The tests run outside the repository.");
        }

        var start = new ProcessStartInfo(program.Contains('/') ? Path.Combine(repo, program) : program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed: {await error}");
    }
}
