using System.Data.Common;
using System.Reflection;
using Fanout.Runs;
using Polly;
using Polly.Retry;

namespace Fanout.Storage;

/// <summary>
/// One database of the run store: the connection and the dialect (in the manner of Quartz's <c>StdAdoDelegate</c>) and the
/// helpers every table type shares — commands, parameters, the one reader loop, batched writes, time conversion and the
/// versioned schema. <see cref="SqliteDatabase"/> and <see cref="PostgresDatabase"/> supply connections, time conversion,
/// batching and the migration lock. SQL uses <c>@name</c> parameters and <c>INSERT … ON CONFLICT</c>, which both engines accept.
/// The types owning one concern each (<see cref="RunRecords"/>, <see cref="RunOwnership"/>, <see cref="ScheduleRecords"/>,
/// <see cref="RunCleanup"/>, <see cref="WorkflowRecords"/>, <see cref="TokenRecords"/>, <see cref="AuditRecords"/>) work through it;
/// <see cref="AdoRunStore"/> composes them.
/// </summary>
internal abstract class StoreDatabase : IAsyncDisposable
{
    protected StoreDatabase(string location, string logDirectory, TimeProvider timeProvider)
    {
        Location = location;
        LogDirectory = logDirectory;
        TimeProvider = timeProvider;
    }

    /// <summary>Where the database is, as shown to users.</summary>
    public string Location { get; }

    /// <summary>Where large outputs are written as log files.</summary>
    public string LogDirectory { get; }

    /// <summary>The clock used for lease checks.</summary>
    internal TimeProvider TimeProvider { get; }

    /// <summary>The schema folder under <c>Schema/</c>: <c>sqlite</c> or <c>postgres</c>.</summary>
    internal abstract string SchemaFolder { get; }

    /// <summary>Whether the engine has a case-sensitive <c>GLOB</c> operator (SQLite); otherwise name globs use <c>LIKE</c> (case-sensitive on PostgreSQL).</summary>
    internal virtual bool NativeGlob => false;

    /// <summary>DDL creating the version table when missing.</summary>
    internal abstract string CreateVersionTableSql { get; }

    /// <summary>Runs <paramref name="work"/> on an open connection (pooled or shared, as the dialect decides).</summary>
    internal abstract Task<T> WithConnectionAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>
    /// Whether <paramref name="failure"/> is one a retry may cure: the server dropped the connection, refused it for a moment (its
    /// connection limit, a restart) or aborted the transaction for a conflict. Nothing is transient by default.
    /// </summary>
    internal virtual bool IsTransient(Exception failure) => false;

    /// <summary>
    /// Runs <paramref name="work"/> — an idempotent write: every row it writes is an upsert or keyed — on a fresh connection, again
    /// when it fails with a <see cref="IsTransient">transient</see> error, with exponential back-off: 8 retries over about 20 s of
    /// real time (the store's clock may be a test's fake). A run's recorder depends on these writes: a dropped connection or the
    /// server's connection limit must delay a run, not fail or lose it.
    /// </summary>
    internal Task<T> WithRetriedConnectionAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken) =>
        WriteRetry.ExecuteAsync(static async (state, token) => await state.Database.WithConnectionAsync(state.Work, token).ConfigureAwait(false),
            (Database: this, Work: work), cancellationToken).AsTask();

    private ResiliencePipeline? _writeRetryPipeline;

    private ResiliencePipeline WriteRetry => _writeRetryPipeline ??= new ResiliencePipelineBuilder { TimeProvider = TimeProvider.System }
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
            MaxRetryAttempts = 8,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromSeconds(5),
        })
        .Build();

    /// <summary>Converts a time to the engine's parameter value.</summary>
    internal abstract object ToDb(DateTimeOffset value);

    /// <summary>Reads a time column written by <see cref="ToDb"/>.</summary>
    internal abstract DateTimeOffset ReadTime(DbDataReader reader, int ordinal);

    /// <summary>Serializes schema migrations across processes inside <paramref name="transaction"/>.</summary>
    internal abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Creates the tables or migrates them to the newest version; called once when the store opens.</summary>
    internal Task<int> MigrateAsync(CancellationToken cancellationToken) => WithConnectionAsync(async connection =>
    {
        await ExecAsync(connection, null, CreateVersionTableSql, cancellationToken).ConfigureAwait(false);
        await using DbTransaction tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await LockForMigrationAsync(connection, tx, cancellationToken).ConfigureAwait(false);
        // Apply every shipped migration not applied yet — not only those above the highest applied
        // version — so a migration added on a parallel line of work (a lower number that lands
        // later) is never skipped.
        var applied = new HashSet<int>();
        await using (DbCommand read = Command(connection, tx, "SELECT version FROM schema_version"))
        await using (DbDataReader rows = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await rows.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                applied.Add(Convert.ToInt32(rows.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        int version = applied.Count == 0 ? 0 : applied.Max();
        foreach ((int v, string sql) in LoadMigrations(SchemaFolder))
        {
            if (applied.Contains(v))
            {
                continue;
            }

            await ExecAsync(connection, tx, sql, cancellationToken).ConfigureAwait(false);
            await using DbCommand mark = Command(connection, tx, "INSERT INTO schema_version (version, applied_at) VALUES (@v, @at)");
            Param(mark, "v", v);
            Param(mark, "at", ToDb(Now));
            await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            version = Math.Max(version, v);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return version;
    }, cancellationToken);

    /// <summary>The migrations shipped for a dialect, in version order (files named <c>NNNN_description.sql</c>).</summary>
    internal static IReadOnlyList<(int Version, string Sql)> LoadMigrations(string folder)
    {
        Assembly assembly = typeof(StoreDatabase).Assembly;
        string prefix = $"Fanout.Storage.Schema.{folder}/";
        var list = new List<(int, string)>();
        foreach (string name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            string file = name[prefix.Length..];
            int version = int.Parse(file[..file.IndexOf('_', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
            using Stream stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            list.Add((version, reader.ReadToEnd()));
        }

        return [.. list.OrderBy(m => m.Item1)];
    }

    /// <inheritdoc/>
    public abstract ValueTask DisposeAsync();

    internal DateTimeOffset Now => TimeProvider.GetUtcNow();

    internal static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    internal static void Param(DbCommand command, string name, object? value)
    {
        DbParameter p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        command.Parameters.Add(p);
    }

    internal object? ToDbOrNull(DateTimeOffset? value) => value is { } v ? ToDb(v) : null;

    internal DateTimeOffset? ReadTimeOrNull(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : ReadTime(reader, ordinal);

    internal static string? ReadString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    internal static int ReadInt(DbDataReader reader, int ordinal) =>
        Convert.ToInt32(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    internal static int? ReadIntOrNull(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : ReadInt(reader, ordinal);

    internal static async Task<int> ExecAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using DbCommand command = Command(connection, transaction, sql);
        foreach ((string name, object? value) in parameters)
        {
            Param(command, name, value);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Executes <paramref name="sql"/> once per row inside <paramref name="transaction"/>. The default
    /// prepares one command and rebinds it (fast for an in-process engine); a dialect may pipeline instead.
    /// </summary>
    internal virtual async Task ExecuteManyAsync<T>(DbConnection connection, DbTransaction transaction, string sql, string[] names, IReadOnlyList<T> rows, Func<T, object?[]> values, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await using DbCommand command = Command(connection, transaction, sql);
        foreach (string name in names)
        {
            Param(command, name, null);
        }

        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        foreach (T row in rows)
        {
            object?[] v = values(row);
            for (int i = 0; i < names.Length; i++)
            {
                command.Parameters[i].Value = v[i] ?? DBNull.Value;
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Appends <paramref name="rows"/> to <paramref name="table"/> in their order, inside <paramref name="transaction"/> — the one
    /// way the store writes a plain multi-row <c>INSERT</c> (no conflict clause) whose rows may be many: a run's selection, audit
    /// entries. All-or-nothing with the rest of the transaction: a row that fails (a <c>NOT NULL</c> column without a value, text
    /// the engine cannot hold) fails the whole call and the caller's transaction rolls back. <paramref name="values"/> gives a
    /// row's values in <paramref name="columns"/> order: <see cref="string"/>, <see cref="int"/>, <see cref="long"/>,
    /// <see cref="double"/> or <see cref="DateTimeOffset"/> as the column's <see cref="BulkType"/> says, or <see langword="null"/>.
    /// The default prepares one <c>INSERT … VALUES</c> and rebinds it per row (<see cref="ExecuteManyAsync{T}"/>: the right thing for
    /// an in-process engine); PostgreSQL streams them in one binary <c>COPY</c> instead.
    /// </summary>
    internal virtual Task InsertManyAsync<T>(DbConnection connection, DbTransaction transaction, string table, BulkColumn[] columns, IReadOnlyList<T> rows, Func<T, object?[]> values, CancellationToken cancellationToken)
    {
        string[] names = [.. columns.Select(c => c.Name)];
        string sql = $"INSERT INTO {table} ({string.Join(", ", names)}) VALUES ({string.Join(", ", names.Select(n => "@" + n))})";
        return ExecuteManyAsync(connection, transaction, sql, names, rows, row =>
        {
            object?[] v = values(row);
            for (int i = 0; i < columns.Length; i++)
            {
                if (columns[i].Type == BulkType.Time && v[i] is DateTimeOffset time)
                {
                    v[i] = ToDb(time);
                }
            }

            return v;
        }, cancellationToken);
    }

    /// <summary>The UPDATE part shared by every attempt upsert.</summary>
    internal const string AttemptConflictUpdate =
        "ON CONFLICT (run_id, target, attempt) DO UPDATE SET state = excluded.state, exit_code = excluded.exit_code, wave = excluded.wave, " +
        "started_at = COALESCE(excluded.started_at, target_attempts.started_at), ended_at = excluded.ended_at, stdout = excluded.stdout, " +
        "stderr = excluded.stderr, stdout_log = excluded.stdout_log, stderr_log = excluded.stderr_log, error = excluded.error";

    private static readonly string[] AttemptNames =
        ["run_id", "target", "attempt", "state", "exit_code", "wave", "started_at", "ended_at", "stdout", "stderr", "stdout_log", "stderr_log", "error"];

    private const string UpsertAttemptSql = "INSERT INTO target_attempts (run_id, target, attempt, state, exit_code, wave, started_at, ended_at, stdout, stderr, stdout_log, stderr_log, error) " +
        "VALUES (@run_id, @target, @attempt, @state, @exit_code, @wave, @started_at, @ended_at, @stdout, @stderr, @stdout_log, @stderr_log, @error) " + AttemptConflictUpdate;

    /// <summary>
    /// The first of the two bulk writes a dialect may do its own way: inserts or updates attempt rows in order (a later row for the
    /// same key wins; a missing start time keeps the stored one).
    /// </summary>
    internal virtual Task UpsertAttemptsAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<TargetAttemptRecord> attempts, CancellationToken cancellationToken) =>
        ExecuteManyAsync(connection, tx, UpsertAttemptSql, AttemptNames, attempts, a => [
            a.RunId, a.Target, a.Attempt, a.State.ToWireName(), a.ExitCode, a.Wave, ToDbOrNull(a.StartedAt), ToDbOrNull(a.EndedAt),
            a.Stdout, a.Stderr, a.StdoutLog, a.StderrLog, a.Error], cancellationToken);

    /// <summary>The second bulk write: appends events, ignoring sequences already stored.</summary>
    internal virtual Task InsertEventsAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<RunEventRecord> events, CancellationToken cancellationToken) =>
        ExecuteManyAsync(connection, tx,
            "INSERT INTO run_events (run_id, sequence, type, ts, payload) VALUES (@run_id, @sequence, @type, @ts, @payload) ON CONFLICT (run_id, sequence) DO NOTHING",
            ["run_id", "sequence", "type", "ts", "payload"], events, e => [e.RunId, e.Sequence, e.Type, ToDb(e.Timestamp), e.Payload],
            cancellationToken);

    /// <summary>Runs a query and maps every row with <paramref name="read"/> — the one reader loop of the store.</summary>
    internal Task<IReadOnlyList<T>> QueryAsync<T>(string sql, (string Name, object? Value)[] parameters, Func<DbDataReader, T> read, CancellationToken cancellationToken) =>
        WithConnectionAsync<IReadOnlyList<T>>(async connection =>
        {
            await using DbCommand command = Command(connection, null, sql);
            foreach ((string name, object? value) in parameters)
            {
                Param(command, name, value);
            }

            var list = new List<T>();
            await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(read(reader));
            }

            return list;
        }, cancellationToken);
}

/// <summary>The value type of a column written by <see cref="StoreDatabase.InsertManyAsync{T}"/>.</summary>
internal enum BulkType
{
    /// <summary>Text (<see cref="string"/>).</summary>
    Text,

    /// <summary>A 32-bit integer (<see cref="int"/>).</summary>
    Integer,

    /// <summary>A 64-bit integer (<see cref="long"/>).</summary>
    BigInt,

    /// <summary>A double-precision number (<see cref="double"/>).</summary>
    Double,

    /// <summary>A time (<see cref="DateTimeOffset"/>), stored as the dialect stores times (UTC).</summary>
    Time,
}

/// <summary>A column written by <see cref="StoreDatabase.InsertManyAsync{T}"/>: its name and value type.</summary>
internal readonly record struct BulkColumn(string Name, BulkType Type);
