using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fanout.Runs;

/// <summary>
/// Fires stored schedules (SPEC H5), as <c>fanout serve</c> does. Time comes from the injected
/// <see cref="TimeProvider"/>. Rules: a schedule is due when its next occurrence after its last fire
/// (or its creation) has passed; fires missed while nothing was running collapse into one fire at start-up;
/// a schedule never overlaps its own previous run unless <see cref="ScheduleRecord.AllowOverlap"/> is set
/// (the fire is then recorded as skipped).
/// </summary>
public sealed partial class Scheduler
{
    private readonly IRunStore _store;
    private readonly IScheduleLauncher _launcher;
    private readonly TimeProvider _time;
    private readonly SchedulerOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, List<Task>> _running = new(StringComparer.Ordinal);

    /// <summary>Creates a scheduler over <paramref name="store"/> that starts runs through <paramref name="launcher"/>.</summary>
    public Scheduler(IRunStore store, IScheduleLauncher launcher, TimeProvider? timeProvider = null, SchedulerOptions? options = null, ILogger? logger = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _launcher = launcher ?? throw new ArgumentNullException(nameof(launcher));
        _time = timeProvider ?? TimeProvider.System;
        _options = options ?? new SchedulerOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Fires due schedules until <paramref name="cancellationToken"/> is cancelled, then waits for the runs it started (which see the same token).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                DateTimeOffset? next = await TickAsync(cancellationToken).ConfigureAwait(false);
                TimeSpan wait = _options.PollInterval;
                if (next is { } n && n - _time.GetUtcNow() < wait)
                {
                    wait = n - _time.GetUtcNow();
                }

                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await WhenIdleAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Fires every schedule due now (without waiting for the runs) and returns the earliest next fire time, if any.</summary>
    public async Task<DateTimeOffset?> TickAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow();
        DateTimeOffset? earliest = null;
        foreach (ScheduleRecord schedule in await _store.GetSchedulesAsync(cancellationToken).ConfigureAwait(false))
        {
            DateTimeOffset? due = NextFire(schedule);
            if (due is null)
            {
                continue;
            }

            if (due <= now)
            {
                await FireAsync(schedule, now, cancellationToken).ConfigureAwait(false);
                due = CronSchedule.NextOccurrence(schedule.Cron, schedule.TimeZone, now);
            }

            if (due is { } d && (earliest is null || d < earliest))
            {
                earliest = d;
            }
        }

        return earliest;
    }

    /// <summary>
    /// When <paramref name="schedule"/> fires next: its next occurrence after its last fire (or its creation, or its last resume,
    /// whichever is latest), or <see langword="null"/> while it is paused or when the cron never fires again.
    /// </summary>
    public static DateTimeOffset? NextFire(ScheduleRecord schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (schedule.PausedAt is not null)
        {
            return null;
        }

        DateTimeOffset after = schedule.LastFireAt ?? schedule.CreatedAt;
        if (schedule.ResumedAt is { } resumed && resumed > after)
        {
            after = resumed;
        }

        return CronSchedule.NextOccurrence(schedule.Cron, schedule.TimeZone, after);
    }

    /// <summary>
    /// Fires <paramref name="schedule"/> now, outside its cron ("run now"), by the same rules as a timed fire except that a
    /// paused schedule fires too. Returns once the run has started (its id, result <c>running</c>) or the fire ended without
    /// one (an error); <see langword="null"/> when the schedule's previous run still runs and it may not overlap (nothing is fired).
    /// </summary>
    public async Task<ScheduleLaunchResult?> FireNowAsync(ScheduleRecord schedule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (IsOverlapping(schedule))
        {
            return null;
        }

        var started = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<ScheduleLaunchResult> run = await StartAsync(schedule, _time.GetUtcNow(), id => started.TrySetResult(id), cancellationToken).ConfigureAwait(false);
        Task first = await Task.WhenAny(started.Task, run).ConfigureAwait(false);
        return first == started.Task ? new ScheduleLaunchResult(await started.Task.ConfigureAwait(false), "running") : await run.ConfigureAwait(false);
    }

    /// <summary>Waits until every run started by this scheduler has ended.</summary>
    public async Task WhenIdleAsync()
    {
        Task[] tasks;
        lock (_running)
        {
            tasks = [.. _running.Values.SelectMany(t => t)];
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private bool IsOverlapping(ScheduleRecord schedule)
    {
        lock (_running)
        {
            if (_running.TryGetValue(schedule.Name, out List<Task>? active))
            {
                active.RemoveAll(t => t.IsCompleted);
                return active.Count > 0 && !schedule.AllowOverlap;
            }
        }

        return false;
    }

    private async Task FireAsync(ScheduleRecord schedule, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (IsOverlapping(schedule))
        {
            Log.SkippedOverlap(_logger, schedule.Name);
            await _store.RecordScheduleFireAsync(schedule.Name, now, schedule.LastRunId, "skipped: previous run still running", cancellationToken).ConfigureAwait(false);
            return;
        }

        await StartAsync(schedule, now, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Task<ScheduleLaunchResult>> StartAsync(ScheduleRecord schedule, DateTimeOffset now, Action<string>? started, CancellationToken cancellationToken)
    {
        await _store.RecordScheduleFireAsync(schedule.Name, now, null, "running", cancellationToken).ConfigureAwait(false);
        Log.Firing(_logger, schedule.Name);
        Task<ScheduleLaunchResult> run = RunOneAsync(schedule, now, started, cancellationToken);
        lock (_running)
        {
            if (!_running.TryGetValue(schedule.Name, out List<Task>? list))
            {
                _running[schedule.Name] = list = [];
            }

            list.Add(run);
        }

        return run;
    }

    private async Task<ScheduleLaunchResult> RunOneAsync(ScheduleRecord schedule, DateTimeOffset firedAt, Action<string>? started, CancellationToken cancellationToken)
    {
        await Task.Yield();
        string? runId = null;
        ScheduleLaunchResult result;
        try
        {
            result = await _launcher.LaunchAsync(schedule, id =>
            {
                runId = id;
                started?.Invoke(id);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result = new ScheduleLaunchResult(runId, "cancelled");
        }
        catch (Exception e) when (e is FanoutException or IOException or InvalidOperationException)
        {
            result = new ScheduleLaunchResult(runId, $"error: {e.Message}");
        }

        string? recorded = result.RunId ?? runId;
        if (recorded is null && result.Result.StartsWith("error:", StringComparison.Ordinal))
        {
            // A fire that could not start a run (a file gone, a reference unreadable, a parameter now invalid) is a failed run in history.
            Log.FireFailed(_logger, schedule.Name, result.Result);
            recorded = await RecordFailedFireAsync(schedule, result.Result["error:".Length..].Trim()).ConfigureAwait(false);
        }
        else
        {
            Log.Fired(_logger, schedule.Name, result.Result);
        }

        await _store.RecordScheduleFireAsync(schedule.Name, firedAt, recorded, result.Result, CancellationToken.None).ConfigureAwait(false);
        return result with { RunId = recorded };
    }

    private async Task<string?> RecordFailedFireAsync(ScheduleRecord schedule, string error)
    {
        string runId = RunIds.New(_time);
        DateTimeOffset now = _time.GetUtcNow();
        try
        {
            await _store.CreateRunAsync(new RunRecord
            {
                RunId = runId,
                Kind = schedule.Kind,
                Name = schedule.Name,
                Actor = $"schedule:{schedule.Name}",
                Operation = null,
                StartedAt = now,
                StopReason = error,
            }, [], CancellationToken.None).ConfigureAwait(false);
            await _store.FinishRunAsync(runId, RunStatus.Failed, now, RunCounts.Empty, $"schedule fire failed: {error}", CancellationToken.None).ConfigureAwait(false);
            return runId;
        }
        catch (Exception e) when (e is FanoutException or IOException or InvalidOperationException)
        {
            Log.FireNotRecorded(_logger, schedule.Name, e);
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Schedule {Name} fires")]
        public static partial void Firing(ILogger logger, string name);

        [LoggerMessage(2, LogLevel.Information, "Schedule {Name} ended: {Result}")]
        public static partial void Fired(ILogger logger, string name, string result);

        [LoggerMessage(3, LogLevel.Warning, "Schedule {Name} skipped: its previous run is still running")]
        public static partial void SkippedOverlap(ILogger logger, string name);

        [LoggerMessage(4, LogLevel.Warning, "Schedule {Name} could not fire: {Result} (recorded as a failed run)")]
        public static partial void FireFailed(ILogger logger, string name, string result);

        [LoggerMessage(5, LogLevel.Warning, "Schedule {Name}: its failed fire could not be recorded")]
        public static partial void FireNotRecorded(ILogger logger, string name, Exception exception);
    }
}
