using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Fanout.Storage;

/// <summary>
/// The SQLite dialect: one shared connection per store (SQLite serializes writers anyway), WAL
/// journal so readers in other processes never block the writer, <c>synchronous=NORMAL</c>
/// (a commit survives a process crash; only power loss may lose the last commits) and a busy
/// timeout for the moments another process holds the write lock. Times are fixed-width ISO-8601 UTC text.
/// </summary>
internal sealed class SqliteDatabase : StoreDatabase
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private SqliteDatabase(string path, SqliteConnection connection, string logDirectory, TimeProvider timeProvider)
        : base(path, logDirectory, timeProvider)
    {
        _connection = connection;
    }

    /// <summary>Opens (creating when missing) and migrates the database file at <paramref name="path"/>.</summary>
    public static async Task<SqliteDatabase> OpenAsync(string path, string logDirectory, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var builder = new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false, DefaultTimeout = 60 };
        var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var store = new SqliteDatabase(full, connection, logDirectory, timeProvider);
        try
        {
            await ExecAsync(connection, null, "PRAGMA busy_timeout = 30000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;", cancellationToken).ConfigureAwait(false);
            await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    internal override string SchemaFolder => "sqlite";

    internal override bool NativeGlob => true;

    internal override string CreateVersionTableSql =>
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL)";

    internal override async Task<T> WithConnectionAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await work(_connection).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    internal override object ToDb(DateTimeOffset value) => value.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    internal override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) =>
        DateTimeOffset.ParseExact(reader.GetString(ordinal), TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    // BeginTransaction in Microsoft.Data.Sqlite is BEGIN IMMEDIATE: it takes the write lock up front.
    internal override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;

    public override async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
