using System.Data.Common;
using Fanout.Runs;
using static Fanout.Storage.StoreDatabase;

namespace Fanout.Storage;

/// <summary>
/// Retention (SPEC H5, <c>fanout cleanup</c>): deletes ended runs older than a date beyond the newest ones kept — rows of every run
/// table first, then their log files.
/// </summary>
internal sealed class RunCleanup(StoreDatabase database, RunOwnership ownership) : StoreTable(database)
{
    /// <inheritdoc cref="IRunStore.CleanupAsync"/>
    public async Task<CleanupResult> CleanupAsync(DateTimeOffset olderThan, int keepLast, CancellationToken cancellationToken)
    {
        await ownership.DetectInterruptedAsync(cancellationToken).ConfigureAwait(false);
        (List<string> runIds, List<string> logs) = await WithConnectionAsync(async connection =>
        {
            await using DbTransaction tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var ids = new List<string>();
            await using (DbCommand select = Command(connection, tx,
                "SELECT run_id FROM runs WHERE started_at < @before AND status NOT IN ('running', 'awaiting-approval', 'queued') " +
                "AND run_id NOT IN (SELECT k.run_id FROM (SELECT run_id FROM runs ORDER BY started_at DESC, run_id DESC LIMIT @keep) k)"))
            {
                Param(select, "before", ToDb(olderThan));
                Param(select, "keep", Math.Max(0, keepLast));
                await using DbDataReader r = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    ids.Add(r.GetString(0));
                }
            }

            var files = new List<string>();
            foreach (string id in ids)
            {
                await using (DbCommand logsCommand = Command(connection, tx,
                    "SELECT stdout_log, stderr_log FROM target_attempts WHERE run_id = @id AND (stdout_log IS NOT NULL OR stderr_log IS NOT NULL)"))
                {
                    Param(logsCommand, "id", id);
                    await using DbDataReader r = await logsCommand.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        files.AddRange(new[] { ReadString(r, 0), ReadString(r, 1) }.OfType<string>());
                    }
                }

                foreach (string table in new[] { "run_cancel_requests", "run_events", "target_attempts", "run_targets", "runs" })
                {
                    await ExecAsync(connection, tx, $"DELETE FROM {table} WHERE run_id = @id", cancellationToken, ("id", id)).ConfigureAwait(false);
                }
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return (ids, files);
        }, cancellationToken).ConfigureAwait(false);

        // Files go after the rows are gone: a crash in between leaves orphan files, never rows pointing at nothing.
        var deleted = new List<string>();
        foreach (string file in logs.Distinct(StringComparer.Ordinal).Where(File.Exists))
        {
            File.Delete(file);
            deleted.Add(file);
        }

        foreach (string id in runIds)
        {
            string dir = RunLogPaths.RunDirectory(Database.LogDirectory, id);
            if (Directory.Exists(dir))
            {
                deleted.AddRange(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories));
                Directory.Delete(dir, recursive: true);
            }
        }

        return new CleanupResult(runIds, deleted);
    }
}
