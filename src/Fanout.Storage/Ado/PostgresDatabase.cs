using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace Fanout.Storage;

/// <summary>
/// The PostgreSQL dialect: pooled connections from one <see cref="NpgsqlDataSource"/>,
/// <c>timestamptz</c> times (UTC <see cref="DateTime"/>s), binary COPY and UNNEST statements for many rows and an
/// advisory lock around migrations so concurrent openers never race.
/// </summary>
internal sealed class PostgresDatabase : StoreDatabase
{
    private const long MigrationLockKey = 0x46414E4F5554; // "FANOUT"
    private const int BatchChunk = 500;
    private readonly NpgsqlDataSource _dataSource;

    private PostgresDatabase(NpgsqlDataSource dataSource, string location, string logDirectory, TimeProvider timeProvider)
        : base(location, logDirectory, timeProvider)
    {
        _dataSource = dataSource;
    }

    /// <summary>The connection string of the pool (for a dedicated connection such as <see cref="PostgresRunChanges"/>' LISTEN).</summary>
    internal string ConnectionString => _dataSource.ConnectionString;

    /// <summary>Connects with <paramref name="connectionString"/> and migrates the schema.</summary>
    public static async Task<PostgresDatabase> OpenAsync(string connectionString, string location, string logDirectory, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(builder.Options))
        {
            // The same durability class as SQLite's synchronous=NORMAL: a commit is visible at once and survives
            // a crash of fanout (what resume needs); only a crash of the database server may lose the last
            // few milliseconds of commits. It removes a WAL flush from every group commit of "started" rows.
            // A URL with ?Options=... (e.g. "-c synchronous_commit=on") overrides it.
            builder.Options = "-c synchronous_commit=off";
        }

        // The store's statements are few and repeated: prepare them automatically, and skip the DISCARD ALL
        // on every pooled open (the store never leaves session state behind).
        builder.MaxAutoPrepare = builder.MaxAutoPrepare == 0 ? 32 : builder.MaxAutoPrepare;
        builder.NoResetOnClose = true;

        // At most 25 connections per process unless the URL says otherwise: the API's readers, each run's recorder and the
        // partial-output writer share them, and a server with a few cluster workers stays under PostgreSQL's default limit of
        // 100 connections (docs/store.md). A statement that finds the pool busy waits for a connection, it does not fail.
        builder = new NpgsqlConnectionStringBuilder(StoreLocation.WithPoolLimit(builder.ConnectionString, 25));
        var store = new PostgresDatabase(NpgsqlDataSource.Create(builder.ConnectionString), location, logDirectory, timeProvider);
        try
        {
            await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    internal override string SchemaFolder => "postgres";

    internal override string CreateVersionTableSql =>
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)";

    internal override async Task<T> WithConnectionAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await work(connection).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    internal override bool IsTransient(Exception failure) => failure switch
    {
        // Npgsql's own judgement (I/O errors, timeouts, serialization failures, deadlocks, "cannot connect now", …) and the
        // server's connection limit and administrator shutdowns of a backend (a restart, pg_terminate_backend).
        NpgsqlException { IsTransient: true } => true,
        PostgresException { SqlState: "53300" or "57P01" or "57P02" or "57P03" or "08006" or "08003" or "08000" } => true,
        _ => false,
    };

    internal override object ToDb(DateTimeOffset value) => value.UtcDateTime;

    internal override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) =>
        new(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc));

    internal override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        await ExecAsync(connection, transaction, "SELECT pg_advisory_xact_lock(@key)", cancellationToken, ("key", MigrationLockKey)).ConfigureAwait(false);

    // One round trip per chunk instead of one per row: matters for 10,000 attempt rows over a socket.
    internal override async Task ExecuteManyAsync<T>(DbConnection connection, DbTransaction transaction, string sql, string[] names, IReadOnlyList<T> rows, Func<T, object?[]> values, CancellationToken cancellationToken)
    {
        var npgsql = (NpgsqlConnection)connection;
        for (int start = 0; start < rows.Count; start += BatchChunk)
        {
            await using var batch = new NpgsqlBatch(npgsql, (NpgsqlTransaction)transaction);
            for (int i = start; i < Math.Min(rows.Count, start + BatchChunk); i++)
            {
                var command = new NpgsqlBatchCommand(sql);
                object?[] v = values(rows[i]);
                for (int p = 0; p < names.Length; p++)
                {
                    command.Parameters.Add(new NpgsqlParameter(names[p], v[p] ?? DBNull.Value));
                }

                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // One binary COPY per call instead of one INSERT per row: rows stream to the server (any number of them, texts of any
    // length, nothing held in memory but the write buffer) and the server inserts them in bulk — about half the server
    // time of INSERT … SELECT FROM UNNEST(arrays) for the same rows, and none of the per-statement protocol work. COPY
    // runs inside the caller's transaction: a failing row fails the COPY and so the whole transaction. Rows go in the
    // order given, so a serial id (audit_log.id) is assigned in that order. Text with a NUL character is refused with a
    // clear error: PostgreSQL's text cannot hold it (the server would refuse the row with "invalid byte sequence"), and
    // the store never alters bytes.
    internal override async Task InsertManyAsync<T>(DbConnection connection, DbTransaction transaction, string table, BulkColumn[] columns, IReadOnlyList<T> rows, Func<T, object?[]> values, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        string sql = $"COPY {table} ({string.Join(", ", columns.Select(c => c.Name))}) FROM STDIN (FORMAT BINARY)";
        await using NpgsqlBinaryImporter copy = await ((NpgsqlConnection)connection).BeginBinaryImportAsync(sql, cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < rows.Count; i++)
        {
            object?[] row = values(rows[i]);
            await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
            for (int c = 0; c < columns.Length; c++)
            {
                switch (row[c])
                {
                    case null:
                        await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    case string text when columns[c].Type == BulkType.Text:
                        if (text.Contains('\0', StringComparison.Ordinal))
                        {
                            throw new StoreException($"cannot write {table}.{columns[c].Name} of row {i + 1}: PostgreSQL text cannot hold the NUL character (U+0000)");
                        }

                        await copy.WriteAsync(text, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                        break;
                    case int number when columns[c].Type == BulkType.Integer:
                        await copy.WriteAsync(number, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                        break;
                    case long number when columns[c].Type == BulkType.BigInt:
                        await copy.WriteAsync(number, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                        break;
                    case double number when columns[c].Type == BulkType.Double:
                        await copy.WriteAsync(number, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                        break;
                    case DateTimeOffset time when columns[c].Type == BulkType.Time:
                        await copy.WriteAsync(time.UtcDateTime, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                        break;
                    default:
                        throw new ArgumentException($"{table}.{columns[c].Name} is {columns[c].Type}: row {i + 1} gives a {row[c]!.GetType().Name}", nameof(values));
                }
            }
        }

        await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    // One statement per batch (arrays unnested server-side) instead of one per row: far less work for the server.
    // A statement may not update the same row twice, so rows for one key are merged first (the later wins).
    internal override async Task UpsertAttemptsAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<Runs.TargetAttemptRecord> attempts, CancellationToken cancellationToken)
    {
        if (attempts.Count == 0)
        {
            return;
        }

        var merged = new Dictionary<(string, string, int), Runs.TargetAttemptRecord>();
        foreach (Runs.TargetAttemptRecord a in attempts)
        {
            merged[(a.RunId, a.Target, a.Attempt)] = merged.TryGetValue((a.RunId, a.Target, a.Attempt), out Runs.TargetAttemptRecord? earlier)
                ? a with { StartedAt = a.StartedAt ?? earlier.StartedAt }
                : a;
        }

        var rows = merged.Values.ToList();
        await using var command = new NpgsqlCommand(
            "INSERT INTO target_attempts (run_id, target, attempt, state, exit_code, wave, started_at, ended_at, stdout, stderr, stdout_log, stderr_log, error) " +
            "SELECT * FROM UNNEST(@run_id::text[], @target::text[], @attempt::int[], @state::text[], @exit_code::int[], @wave::int[], " +
            "@started_at::timestamptz[], @ended_at::timestamptz[], @stdout::text[], @stderr::text[], @stdout_log::text[], @stderr_log::text[], @error::text[]) " +
            AttemptConflictUpdate,
            (NpgsqlConnection)connection, (NpgsqlTransaction)tx);
        command.Parameters.Add(new NpgsqlParameter("run_id", rows.Select(r => r.RunId).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("target", rows.Select(r => r.Target).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("attempt", rows.Select(r => r.Attempt).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("state", rows.Select(r => Runs.AttemptStateExtensions.ToWireName(r.State)).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("exit_code", rows.Select(r => r.ExitCode).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("wave", rows.Select(r => r.Wave).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("started_at", rows.Select(r => r.StartedAt?.UtcDateTime).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("ended_at", rows.Select(r => r.EndedAt?.UtcDateTime).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("stdout", rows.Select(r => r.Stdout).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("stderr", rows.Select(r => r.Stderr).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("stdout_log", rows.Select(r => r.StdoutLog).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("stderr_log", rows.Select(r => r.StderrLog).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("error", rows.Select(r => r.Error).ToArray()));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    internal override async Task InsertEventsAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<Runs.RunEventRecord> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(
            "INSERT INTO run_events (run_id, sequence, type, ts, payload) " +
            "SELECT * FROM UNNEST(@run_id::text[], @sequence::bigint[], @type::text[], @ts::timestamptz[], @payload::text[]) ON CONFLICT (run_id, sequence) DO NOTHING",
            (NpgsqlConnection)connection, (NpgsqlTransaction)tx);
        command.Parameters.Add(new NpgsqlParameter("run_id", events.Select(e => e.RunId).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("sequence", events.Select(e => e.Sequence).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("type", events.Select(e => e.Type).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("ts", events.Select(e => e.Timestamp.UtcDateTime).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("payload", events.Select(e => e.Payload).ToArray()));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
