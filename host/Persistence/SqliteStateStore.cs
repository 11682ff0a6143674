using Microsoft.Data.Sqlite;

namespace Flotilla.Host.Persistence;

/// <summary>
/// A node's own grain state in its SQLite database, through one connection: SQLite takes one writer at a time
/// anyway, and writers of their own connections waited for each other in SQLite's busy handler, asleep on
/// thread-pool threads. A batch is one transaction, so one WAL commit.
/// </summary>
public sealed class SqliteStateStore(string databasePath) : IStateStore, IDisposable
{
    private const string Key = "GrainIdHash = @IdHash AND GrainIdN0 = @N0 AND GrainIdN1 = @N1 AND GrainTypeHash = @TypeHash "
        + "AND GrainTypeString = @Type AND GrainIdExtensionString = @Extension AND ServiceId = @ServiceId";

    private const string ReadSql = "SELECT PayloadBinary, Version FROM OrleansStorage WHERE " + Key + " LIMIT 1";

    private const string WriteSql = """
        INSERT INTO OrleansStorage (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
                                    GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
        VALUES (@IdHash, @N0, @N1, @TypeHash, @Type, @Extension, @ServiceId, @Payload,
                strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), COALESCE(@Expected, 0) + 1)
        ON CONFLICT (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString, ServiceId)
        DO UPDATE SET PayloadBinary = excluded.PayloadBinary, ModifiedOn = excluded.ModifiedOn, Version = Version + 1
        WHERE Version = @Expected
        RETURNING Version
        """;

    private const string ClearSql = "UPDATE OrleansStorage SET PayloadBinary = NULL, ModifiedOn = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), "
        + "Version = Version + 1 WHERE " + Key + " AND Version = @Expected RETURNING Version";

    private Connection? _open;

    /// <summary>One batch at a time: the store has one connection.</summary>
    public int Parallelism => 1;

    public Task<StoredRow?[]> RunAsync(IReadOnlyList<StorageOperation> batch)
    {
        var connection = _open ??= new Connection(databasePath);
        try
        {
            return Task.FromResult(connection.Run(batch));
        }
        catch
        {
            // Start again from a fresh connection rather than reason about the state a failure left this one in.
            _open = null;
            connection.Dispose();
            throw;
        }
    }

    public bool IsStatementError(Exception error) => error is SqliteException;

    public void Dispose() => _open?.Dispose();

    private sealed class Connection : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _read;
        private readonly SqliteCommand _write;
        private readonly SqliteCommand _clear;

        public Connection(string databasePath)
        {
            _connection = new SqliteConnection(SqliteGrainStorageSchema.ConnectionString(databasePath));
            _connection.Open();
            using (var pragma = _connection.CreateCommand())
            {
                // See sqlite-grain-storage.sql: WAL without an fsync per commit.
                pragma.CommandText = "PRAGMA synchronous = NORMAL";
                pragma.ExecuteNonQuery();
            }

            _read = Command(ReadSql);
            _write = Command(WriteSql, "@Payload", "@Expected");
            _clear = Command(ClearSql, "@Expected");
        }

        public StoredRow?[] Run(IReadOnlyList<StorageOperation> batch)
        {
            var rows = new StoredRow?[batch.Count];
            using var transaction = _connection.BeginTransaction();
            for (var i = 0; i < batch.Count; i++)
            {
                var operation = batch[i];
                var command = operation.Kind switch
                {
                    StorageOperationKind.Read => _read,
                    StorageOperationKind.Write => _write,
                    _ => _clear,
                };
                command.Transaction = transaction;
                Bind(command, operation);
                using var reader = command.ExecuteReader();
                if (reader.Read())
                {
                    rows[i] = operation.Kind == StorageOperationKind.Read
                        ? new StoredRow(reader.IsDBNull(0) ? null : (byte[])reader.GetValue(0), reader.GetInt32(1))
                        : new StoredRow(null, reader.GetInt32(0));
                }
            }

            transaction.Commit();
            return rows;
        }

        public void Dispose()
        {
            _read.Dispose();
            _write.Dispose();
            _clear.Dispose();
            _connection.Dispose();
        }

        private SqliteCommand Command(string sql, params string[] extra)
        {
            var command = _connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in (string[])["@IdHash", "@N0", "@N1", "@TypeHash", "@Type", "@Extension", "@ServiceId", .. extra])
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            return command;
        }

        private static void Bind(SqliteCommand command, StorageOperation operation)
        {
            var key = operation.Key;
            var p = command.Parameters;
            p["@IdHash"].Value = key.IdHash;
            p["@N0"].Value = key.N0;
            p["@N1"].Value = key.N1;
            p["@TypeHash"].Value = key.TypeHash;
            p["@Type"].Value = key.Type;
            p["@Extension"].Value = key.Extension;
            p["@ServiceId"].Value = key.ServiceId;
            if (operation.Kind == StorageOperationKind.Write)
            {
                p["@Payload"].Value = operation.Payload;
            }

            if (operation.Kind != StorageOperationKind.Read)
            {
                p["@Expected"].Value = (object?)operation.ExpectedVersion ?? DBNull.Value;
            }
        }
    }
}
