using Microsoft.Data.Sqlite;

namespace Flotilla.Host.Persistence;

/// <summary>
/// Creates (idempotently) the tables and named queries that Orleans' ADO.NET grain storage needs in the node's
/// SQLite database. Orleans does not ship these scripts in its packages, so the schema lives here.
/// </summary>
public static class SqliteGrainStorageSchema
{
    public const string Invariant = "System.Data.SQLite";

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
