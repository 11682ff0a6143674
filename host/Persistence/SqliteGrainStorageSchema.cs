using Microsoft.Data.Sqlite;

namespace Flotilla.Host.Persistence;

/// <summary>
/// Creates (idempotently) the table that <see cref="SqliteStateStore"/> keeps grain state in, in the node's SQLite
/// database.
/// </summary>
public static class SqliteGrainStorageSchema
{
    public static string ConnectionString(string databasePath) =>
        new SqliteConnectionStringBuilder { DataSource = databasePath, DefaultTimeout = 30, Pooling = true }.ToString();

    public static void EnsureCreated(string databasePath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(databasePath)!);
        using var connection = new SqliteConnection(ConnectionString(databasePath));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = ReadScript();
        command.ExecuteNonQuery();
    }

    private static string ReadScript()
    {
        using var stream = typeof(SqliteGrainStorageSchema).Assembly.GetManifestResourceStream("sqlite-grain-storage.sql")
            ?? throw new InvalidOperationException("The SQLite schema script is not embedded in flotillad.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
