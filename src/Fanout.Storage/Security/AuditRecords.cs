using System.Data.Common;
using System.Globalization;
using System.Text;
using Fanout.Security;
using static Fanout.Storage.StoreDatabase;

namespace Fanout.Storage;

/// <summary>The audit log (SPEC A7), in the same database as the runs: appended in batches, read by filters.</summary>
internal sealed class AuditRecords(StoreDatabase database) : StoreTable(database), IAuditStore
{
    private const string AuditColumns = "id, ts, actor, action, batch_id, target, target_count, duration_ms, detail";

    /// <summary>The columns an append writes (the id is the table's serial, assigned in the entries' order).</summary>
    private static readonly BulkColumn[] AppendColumns =
    [
        new("ts", BulkType.Time), new("actor", BulkType.Text), new("action", BulkType.Text), new("batch_id", BulkType.Text),
        new("target", BulkType.Text), new("target_count", BulkType.Integer), new("duration_ms", BulkType.Double), new("detail", BulkType.Text),
    ];

    /// <inheritdoc/>
    public Task AppendAuditAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return Task.CompletedTask;
        }

        return WithConnectionAsync(async connection =>
        {
            await using DbTransaction tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await InsertManyAsync(connection, tx, "audit_log", AppendColumns, entries,
                e => [e.Timestamp, e.Actor, e.Action, e.BatchId, e.Target, e.TargetCount, e.DurationMs, e.Detail], cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<AuditEntry>> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken) =>
        WithConnectionAsync<IReadOnlyList<AuditEntry>>(async connection =>
        {
            ArgumentNullException.ThrowIfNull(query);
            var sql = new StringBuilder($"SELECT {AuditColumns} FROM audit_log WHERE id > @after");
            await using DbCommand command = Command(connection, null, string.Empty);
            Param(command, "after", query.AfterId);
            if (query.BatchId is not null)
            {
                sql.Append(" AND batch_id = @batch");
                Param(command, "batch", query.BatchId);
            }

            if (query.Actor is not null)
            {
                sql.Append(" AND actor = @actor");
                Param(command, "actor", query.Actor);
            }

            if (query.Action is not null)
            {
                sql.Append(" AND action = @action");
                Param(command, "action", query.Action);
            }

            if (query.Since is { } since)
            {
                sql.Append(" AND ts >= @since");
                Param(command, "since", ToDb(since));
            }

            if (query.Until is { } until)
            {
                sql.Append(" AND ts <= @until");
                Param(command, "until", ToDb(until));
            }

            sql.Append(" ORDER BY id LIMIT @limit");
            Param(command, "limit", Math.Max(0, query.Limit));
            command.CommandText = sql.ToString();
            var list = new List<AuditEntry>();
            await using DbDataReader r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(new AuditEntry
                {
                    Id = Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture),
                    Timestamp = ReadTime(r, 1),
                    Actor = r.GetString(2),
                    Action = r.GetString(3),
                    BatchId = ReadString(r, 4),
                    Target = ReadString(r, 5),
                    TargetCount = ReadIntOrNull(r, 6),
                    DurationMs = r.IsDBNull(7) ? null : Convert.ToDouble(r.GetValue(7), CultureInfo.InvariantCulture),
                    Detail = ReadString(r, 8),
                });
            }

            return list;
        }, cancellationToken);
}
