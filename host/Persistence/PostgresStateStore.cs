using Npgsql;
using NpgsqlTypes;

namespace Flotilla.Host.Persistence;

/// <summary>
/// The swarm's grain state in PostgreSQL. A batch goes as one round trip and commits once (an implicit transaction),
/// so a burst of task writes costs PostgreSQL one commit, not one each.
/// </summary>
public sealed class PostgresStateStore(NpgsqlDataSource dataSource) : IStateStore
{
    private const string Key = "GrainIdHash = $1 AND GrainIdN0 = $2 AND GrainIdN1 = $3 AND GrainTypeHash = $4 AND GrainTypeString = $5 "
        + "AND GrainIdExtensionString = $6 AND ServiceId = $7";

    private const string Read = "SELECT PayloadBinary, Version FROM OrleansStorage WHERE " + Key + " LIMIT 1";

    private const string Write = """
        INSERT INTO OrleansStorage AS s (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
                                         GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), COALESCE($9, 0) + 1)
        ON CONFLICT (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString, ServiceId)
        DO UPDATE SET PayloadBinary = excluded.PayloadBinary, ModifiedOn = excluded.ModifiedOn, Version = s.Version + 1
        WHERE s.Version = $9
        RETURNING Version
        """;

    private const string Clear = "UPDATE OrleansStorage SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1 WHERE "
        + Key + " AND Version = $8 RETURNING Version";

    /// <summary>Enough to overlap one batch's commit with the next ones' work; a small share of the pool.</summary>
    public int Parallelism => 4;

    public async Task<StoredRow?[]> RunAsync(IReadOnlyList<StorageOperation> batch)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlBatch(connection);
        foreach (var operation in batch)
        {
            command.BatchCommands.Add(Statement(operation));
        }

        var rows = new StoredRow?[batch.Count];
        await using (var reader = await command.ExecuteReaderAsync())
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (await reader.ReadAsync())
                {
                    rows[i] = batch[i].Kind == StorageOperationKind.Read
                        ? new StoredRow(reader.IsDBNull(0) ? null : reader.GetFieldValue<byte[]>(0), reader.GetInt32(1))
                        : new StoredRow(null, reader.GetInt32(0));
                }

                await reader.NextResultAsync();
            }
        }

        return rows;
    }

    public bool IsStatementError(Exception error) => error is PostgresException;

    private static NpgsqlBatchCommand Statement(StorageOperation operation)
    {
        var statement = new NpgsqlBatchCommand(operation.Kind switch
        {
            StorageOperationKind.Read => Read,
            StorageOperationKind.Write => Write,
            _ => Clear,
        });
        var key = operation.Key;
        var parameters = statement.Parameters;
        parameters.Add(new NpgsqlParameter<int> { TypedValue = key.IdHash });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = key.N0 });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = key.N1 });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = key.TypeHash });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Type });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Extension });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key.ServiceId });
        if (operation.Kind == StorageOperationKind.Write)
        {
            parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = operation.Payload });
        }

        if (operation.Kind != StorageOperationKind.Read)
        {
            parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = (object?)operation.ExpectedVersion ?? DBNull.Value });
        }

        return statement;
    }
}
