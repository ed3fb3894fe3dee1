using System.Data.Common;

namespace Fanout.Storage;

/// <summary>
/// The base of a type that owns one concern of the store (a table or a few tables): it works through the one
/// <see cref="StoreDatabase"/> it is given (connection, dialect, helpers), so the SQL of a concern stays in its type.
/// </summary>
internal abstract class StoreTable(StoreDatabase database)
{
    /// <summary>The database this concern's tables are in.</summary>
    protected StoreDatabase Database { get; } = database;

    protected DateTimeOffset Now => Database.Now;

    protected Task<T> WithConnectionAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken) => Database.WithConnectionAsync(work, cancellationToken);

    protected Task<T> WithRetriedConnectionAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken) => Database.WithRetriedConnectionAsync(work, cancellationToken);

    protected Task<IReadOnlyList<T>> QueryAsync<T>(string sql, (string Name, object? Value)[] parameters, Func<DbDataReader, T> read, CancellationToken cancellationToken) =>
        Database.QueryAsync(sql, parameters, read, cancellationToken);

    protected Task ExecuteManyAsync<T>(DbConnection connection, DbTransaction transaction, string sql, string[] names, IReadOnlyList<T> rows, Func<T, object?[]> values, CancellationToken cancellationToken) =>
        Database.ExecuteManyAsync(connection, transaction, sql, names, rows, values, cancellationToken);

    protected Task InsertManyAsync<T>(DbConnection connection, DbTransaction transaction, string table, BulkColumn[] columns, IReadOnlyList<T> rows, Func<T, object?[]> values, CancellationToken cancellationToken) =>
        Database.InsertManyAsync(connection, transaction, table, columns, rows, values, cancellationToken);

    protected object ToDb(DateTimeOffset value) => Database.ToDb(value);

    protected object? ToDbOrNull(DateTimeOffset? value) => Database.ToDbOrNull(value);

    protected DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => Database.ReadTime(reader, ordinal);

    protected DateTimeOffset? ReadTimeOrNull(DbDataReader reader, int ordinal) => Database.ReadTimeOrNull(reader, ordinal);
}
