using Fanout.Runs;
using static Fanout.Storage.StoreDatabase;

namespace Fanout.Storage;

/// <summary>Schedules (SPEC S): their definitions, pause state and the last fire of each.</summary>
internal sealed class ScheduleRecords(StoreDatabase database) : StoreTable(database)
{
    private const string ScheduleColumns =
        "name, kind, definition, cron, time_zone, selectors, parameters, environment, options, allow_overlap, created_at, last_fire_at, last_run_id, last_result, " +
        "paused_at, resumed_at";

    /// <inheritdoc cref="IRunStore"/>
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

    /// <inheritdoc cref="IRunStore"/>
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

    /// <inheritdoc cref="IRunStore"/>
    public Task<bool> DeleteScheduleAsync(string name, CancellationToken cancellationToken) => WithConnectionAsync(async connection =>
        await ExecAsync(connection, null, "DELETE FROM schedules WHERE name = @name", cancellationToken, ("name", name)).ConfigureAwait(false) == 1,
        cancellationToken);

    /// <inheritdoc cref="IRunStore"/>
    public Task<bool> UpdateScheduleAsync(ScheduleRecord schedule, CancellationToken cancellationToken) => WithConnectionAsync(async connection =>
        await ExecAsync(connection, null,
            "UPDATE schedules SET cron = @cron, time_zone = @tz, allow_overlap = @overlap, paused_at = @paused, resumed_at = @resumed WHERE name = @name",
            cancellationToken, ("cron", schedule.Cron), ("tz", schedule.TimeZone), ("overlap", schedule.AllowOverlap),
            ("paused", ToDbOrNull(schedule.PausedAt)), ("resumed", ToDbOrNull(schedule.ResumedAt)), ("name", schedule.Name)).ConfigureAwait(false) == 1,
        cancellationToken);

    /// <inheritdoc cref="IRunStore"/>
    public Task RecordScheduleFireAsync(string name, DateTimeOffset firedAt, string? runId, string? result, CancellationToken cancellationToken) =>
        WithConnectionAsync(connection => ExecAsync(connection, null,
            "UPDATE schedules SET last_fire_at = @at, last_run_id = @run, last_result = @result WHERE name = @name",
            cancellationToken, ("at", ToDb(firedAt)), ("run", runId), ("result", result), ("name", name)), cancellationToken);
}
