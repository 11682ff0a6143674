using Npgsql;

namespace Flotilla.Host.Swarm;

/// <summary>
/// Creates (idempotently) the tables and named queries that Orleans' ADO.NET clustering, grain storage and reminders
/// read in PostgreSQL. Orleans does not ship its scripts in the packages; ours is host/Persistence/postgresql-cluster.sql.
/// </summary>
public static class ClusterSchema
{
    public const string Invariant = "Npgsql";

    /// <summary>Any fixed number: daemons starting together take turns creating the schema.</summary>
    private const long LockKey = 0x466c6f74696c6c61;

    public static async Task EnsureAsync(string connectionString, CancellationToken ct)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new ClusterDatabaseException($"The cluster database connection string is malformed ({e.Message}). It looks like Host=10.0.0.5;Username=flotilla;Password=…;Database=flotilla.", e);
        }

        builder.Timeout = Math.Min(builder.Timeout, 10);
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(ct);
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT pg_advisory_lock({LockKey}); {Script()}; SELECT pg_advisory_unlock({LockKey});";
            await command.ExecuteNonQueryAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new ClusterDatabaseException($"The cluster database at {builder.Host}:{builder.Port} (database {builder.Database}) can't be used: {e.Message}. Check that PostgreSQL runs there and accepts user {builder.Username}.", e);
        }
    }

    /// <summary>
    /// The connection string the silo's providers use: Npgsql prepares the statements they repeat (every grain write
    /// is the same statement), so PostgreSQL plans each once per connection instead of on every write. A setting the
    /// operator gave wins.
    /// </summary>
    public static string ForProviders(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 16;
        }

        return builder.ConnectionString;
    }

    /// <summary>The id of a swarm this database already serves, if any (its membership table names it).</summary>
    public static async Task<string?> HoldsASwarmAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT DeploymentId FROM OrleansMembershipVersionTable LIMIT 1";
        return await command.ExecuteScalarAsync(ct) as string;
    }

    private static string Script()
    {
        using var stream = typeof(ClusterSchema).Assembly.GetManifestResourceStream("postgresql-cluster.sql")
            ?? throw new InvalidOperationException("The PostgreSQL schema script is not embedded in flotillad.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

public sealed class ClusterDatabaseException(string message, Exception? inner = null) : Exception(message, inner);
