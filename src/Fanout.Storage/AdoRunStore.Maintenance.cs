using System.Data.Common;
using Fanout.Runs;

namespace Fanout.Storage;

internal abstract partial class AdoRunStore
{
    private const string ScheduleColumns =
        "name, kind, definition, cron, time_zone, selectors, parameters, environment, options, allow_overlap, created_at, last_fire_at, last_run_id, last_result, " +
        "paused_at, resumed_at";

    /// <inheritdoc/>
    public async Task<CleanupResult> CleanupAsync(DateTimeOffset olderThan, int keepLast, CancellationToken cancellationToken)
    {
        await DetectInterruptedAsync(cancellationToken).ConfigureAwait(false);
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
            string dir = RunLogPaths.RunDirectory(LogDirectory, id);
            if (Directory.Exists(dir))
            {
                deleted.AddRange(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories));
                Directory.Delete(dir, recursive: true);
            }
        }

        return new CleanupResult(runIds, deleted);
    }

    /// <inheritdoc/>
    public Task<bool> AddScheduleAsync(ScheduleRecord schedule, CancellationToken cancellationToken) => WithConnectionAsync(async connection =>
        await ExecAsync(connection, null,
            $"INSERT INTO schedules ({ScheduleColumns}) VALUES (@name, @kind, @definition, @cron, @tz, @selectors, @parameters, @environment, " +
            "@options, @overlap, @created, @last_fire, @last_run, @last_result, @paused, @resumed) ON CONFLICT (name) DO NOTHING",
            cancellationToken, ("name", schedule.Name), ("kind", schedule.Kind), ("definition", schedule.Definition), ("cron", schedule.Cron),
            ("tz", schedule.TimeZone), ("selectors", schedule.Selectors), ("parameters", schedule.Parameters), ("environment", schedule.Environment),
            ("options", schedule.Options), ("overlap", schedule.AllowOverlap), ("created", ToDb(schedule.CreatedAt)),
            ("last_fire", ToDbOrNull(schedule.LastFireAt)), ("last_run", schedule.LastRunId), ("last_result", schedule.LastResult),
            ("paused", ToDbOrNull(schedule.PausedAt)), ("resumed", ToDbOrNull(schedule.ResumedAt))).ConfigureAwait(false) == 1,
        cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<ScheduleRecord>> GetSchedulesAsync(CancellationToken cancellationToken) =>
        QueryAsync(
            $"SELECT {ScheduleColumns} FROM schedules ORDER BY name",
            [],
            r => new ScheduleRecord
            {
                Name = r.GetString(0),
                Kind = r.GetString(1),
                Definition = r.GetString(2),
                Cron = r.GetString(3),
                TimeZone = r.GetString(4),
                Selectors = ReadString(r, 5),
                Parameters = ReadString(r, 6),
                Environment = ReadString(r, 7),
                Options = ReadString(r, 8),
                AllowOverlap = Convert.ToBoolean(r.GetValue(9), System.Globalization.CultureInfo.InvariantCulture),
                CreatedAt = ReadTime(r, 10),
                LastFireAt = ReadTimeOrNull(r, 11),
                LastRunId = ReadString(r, 12),
                LastResult = ReadString(r, 13),
                PausedAt = ReadTimeOrNull(r, 14),
                ResumedAt = ReadTimeOrNull(r, 15),
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<bool> DeleteScheduleAsync(string name, CancellationToken cancellationToken) => WithConnectionAsync(async connection =>
        await ExecAsync(connection, null, "DELETE FROM schedules WHERE name = @name", cancellationToken, ("name", name)).ConfigureAwait(false) == 1,
        cancellationToken);

    /// <inheritdoc/>
    public Task<bool> UpdateScheduleAsync(ScheduleRecord schedule, CancellationToken cancellationToken) => WithConnectionAsync(async connection =>
        await ExecAsync(connection, null,
            "UPDATE schedules SET cron = @cron, time_zone = @tz, allow_overlap = @overlap, paused_at = @paused, resumed_at = @resumed WHERE name = @name",
            cancellationToken, ("cron", schedule.Cron), ("tz", schedule.TimeZone), ("overlap", schedule.AllowOverlap),
            ("paused", ToDbOrNull(schedule.PausedAt)), ("resumed", ToDbOrNull(schedule.ResumedAt)), ("name", schedule.Name)).ConfigureAwait(false) == 1,
        cancellationToken);

    /// <inheritdoc/>
    public Task RecordScheduleFireAsync(string name, DateTimeOffset firedAt, string? runId, string? result, CancellationToken cancellationToken) =>
        WithConnectionAsync(connection => ExecAsync(connection, null,
            "UPDATE schedules SET last_fire_at = @at, last_run_id = @run, last_result = @result WHERE name = @name",
            cancellationToken, ("at", ToDb(firedAt)), ("run", runId), ("result", result), ("name", name)), cancellationToken);
}
