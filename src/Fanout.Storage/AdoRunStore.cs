using System.Data.Common;
using System.Reflection;
using Fanout.Runs;

namespace Fanout.Storage;

/// <summary>
/// The shared store implementation over ADO.NET (in the manner of Quartz's <c>StdAdoDelegate</c>): all
/// SQL and logic live here; <see cref="SqliteRunStore"/> and <see cref="PostgresRunStore"/> supply
/// connections, time conversion, batching and the migration lock. SQL uses <c>@name</c>
/// parameters and <c>INSERT … ON CONFLICT</c>, which both engines accept.
/// </summary>
internal abstract partial class AdoRunStore : IRunStore
{
    private readonly OwnerProbe _owner;

    protected AdoRunStore(string location, string logDirectory, TimeProvider timeProvider, OwnerProbe? owner)
    {
        Location = location;
        LogDirectory = logDirectory;
        TimeProvider = timeProvider;
        _owner = owner ?? OwnerProbe.Default;
    }

    /// <inheritdoc/>
    public string Location { get; }

    /// <inheritdoc/>
    public string LogDirectory { get; }

    /// <summary>The clock used for lease checks.</summary>
    protected TimeProvider TimeProvider { get; }

    /// <summary>The schema folder under <c>Schema/</c>: <c>sqlite</c> or <c>postgres</c>.</summary>
    protected abstract string SchemaFolder { get; }

    /// <summary>Whether the engine has a case-sensitive <c>GLOB</c> operator (SQLite); otherwise name globs use <c>LIKE</c> (case-sensitive on PostgreSQL).</summary>
    protected virtual bool NativeGlob => false;

    /// <summary>The folder of this dialect's migrations (for tests and diagnostics).</summary>
    internal string SchemaFolderName => SchemaFolder;

    /// <summary>DDL creating the version table when missing.</summary>
    protected abstract string CreateVersionTableSql { get; }

    /// <summary>Runs <paramref name="work"/> on an open connection (pooled or shared, as the dialect decides).</summary>
    protected abstract Task<T> WithConnectionAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>Converts a time to the engine's parameter value.</summary>
    protected abstract object ToDb(DateTimeOffset value);

    /// <summary>Reads a time column written by <see cref="ToDb"/>.</summary>
    protected abstract DateTimeOffset ReadTime(DbDataReader reader, int ordinal);

    /// <summary>Serializes schema migrations across processes inside <paramref name="transaction"/>.</summary>
    protected abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

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
        Assembly assembly = typeof(AdoRunStore).Assembly;
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

    protected DateTimeOffset Now => TimeProvider.GetUtcNow();

    protected static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    protected static void Param(DbCommand command, string name, object? value)
    {
        DbParameter p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        command.Parameters.Add(p);
    }

    protected object? ToDbOrNull(DateTimeOffset? value) => value is { } v ? ToDb(v) : null;

    protected DateTimeOffset? ReadTimeOrNull(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : ReadTime(reader, ordinal);

    protected static string? ReadString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    protected static int ReadInt(DbDataReader reader, int ordinal) =>
        Convert.ToInt32(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    protected static int? ReadIntOrNull(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : ReadInt(reader, ordinal);

    protected static async Task<int> ExecAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
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
    protected virtual async Task ExecuteManyAsync<T>(DbConnection connection, DbTransaction transaction, string sql, string[] names, IReadOnlyList<T> rows, Func<T, object?[]> values, CancellationToken cancellationToken)
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
    /// Whether a running (queued, awaiting-approval) run's owner is gone: its lease expired, or it ran on this host and its process no
    /// longer exists. The one owner-liveness check: every surface sees such a run as <c>interrupted</c> through the store.
    /// </summary>
    internal bool IsOwnerDead(RunRecord run)
    {
        if (run.Status is not (RunStatus.Running or RunStatus.Queued or RunStatus.AwaitingApproval))
        {
            return false;
        }

        if (run.LeaseExpiresAt is { } lease && lease < Now)
        {
            return true;
        }

        return run.OwnerPid is { } pid && string.Equals(run.OwnerHost, _owner.HostName, StringComparison.OrdinalIgnoreCase) && !_owner.IsAlive(pid);
    }

    /// <summary>Runs a query and maps every row with <paramref name="read"/> — the one reader loop of the store.</summary>
    private Task<IReadOnlyList<T>> QueryAsync<T>(string sql, (string Name, object? Value)[] parameters, Func<DbDataReader, T> read, CancellationToken cancellationToken) =>
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
