using System.Data.Common;
using Fanout.Runs;
using static Fanout.Storage.StoreDatabase;

namespace Fanout.Storage;

/// <summary>The run row: its columns and the one reader of them, shared by <see cref="RunRecords"/> and <see cref="RunOwnership"/>.</summary>
internal static class RunRows
{
    /// <summary>Every column of a run row, in the order <see cref="ReadAsync(StoreDatabase, DbCommand, CancellationToken)"/> reads them.</summary>
    public const string Columns =
        "run_id, kind, name, status, actor, selectors, options, parameters, operation, parent_run_id, started_at, ended_at, " +
        "owner_host, owner_pid, lease_expires_at, total, succeeded, failed, timed_out, cancelled, not_run, skipped, stop_reason, resume_count, unreachable";

    /// <summary>The run <paramref name="runId"/> as stored (no owner check), or <see langword="null"/>.</summary>
    public static Task<RunRecord?> ReadAsync(StoreDatabase database, string runId, CancellationToken cancellationToken) => database.WithConnectionAsync(async connection =>
    {
        await using DbCommand command = Command(connection, null, $"SELECT {Columns} FROM runs WHERE run_id = @id");
        Param(command, "id", runId);
        IReadOnlyList<RunRecord> runs = await ReadAsync(database, command, cancellationToken).ConfigureAwait(false);
        return runs.Count == 0 ? null : runs[0];
    }, cancellationToken);

    /// <summary>Reads every run row <paramref name="command"/> selects (columns as <see cref="Columns"/>).</summary>
    public static async Task<IReadOnlyList<RunRecord>> ReadAsync(StoreDatabase database, DbCommand command, CancellationToken cancellationToken)
    {
        var list = new List<RunRecord>();
        await using DbDataReader r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new RunRecord
            {
                RunId = r.GetString(0),
                Kind = r.GetString(1),
                Name = r.GetString(2),
                Status = RunStatusExtensions.TryParseWireName(r.GetString(3)) ?? RunStatus.Failed,
                Actor = r.GetString(4),
                Selectors = ReadString(r, 5),
                Options = ReadString(r, 6),
                Parameters = ReadString(r, 7),
                Operation = ReadString(r, 8),
                ParentRunId = ReadString(r, 9),
                StartedAt = database.ReadTime(r, 10),
                EndedAt = database.ReadTimeOrNull(r, 11),
                OwnerHost = ReadString(r, 12),
                OwnerPid = ReadIntOrNull(r, 13),
                LeaseExpiresAt = database.ReadTimeOrNull(r, 14),
                Counts = new RunCounts(ReadInt(r, 15), ReadInt(r, 16), ReadInt(r, 17), ReadInt(r, 18), ReadInt(r, 19), ReadInt(r, 20), ReadInt(r, 21)) { Unreachable = ReadInt(r, 24) },
                StopReason = ReadString(r, 22),
                ResumeCount = ReadInt(r, 23),
            });
        }

        return list;
    }

}
