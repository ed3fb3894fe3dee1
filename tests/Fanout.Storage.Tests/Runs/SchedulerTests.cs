using Fanout.Runs;
using Microsoft.Extensions.Time.Testing;

namespace Fanout.Storage.Tests.Runs;

public sealed class SchedulerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(T0);
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-sched-").FullName;
    private IRunStore _store = null!;

    public async Task InitializeAsync() =>
        _store = await StoreFactory.OpenAsync(StoreLocation.Resolve(Path.Combine(_dir, "s.db")), _time, null, CancellationToken.None);

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class Launcher : IScheduleLauncher
    {
        public List<string> Launched { get; } = [];

        public TaskCompletionSource? Block { get; set; }

        public async Task<ScheduleLaunchResult> LaunchAsync(ScheduleRecord schedule, Action<string> started, CancellationToken cancellationToken)
        {
            string id;
            lock (Launched)
            {
                Launched.Add(schedule.Name);
                id = $"run-{Launched.Count}";
            }

            started(id);
            if (Block is { } b)
            {
                await b.Task.WaitAsync(cancellationToken);
            }

            return new ScheduleLaunchResult(id, "succeeded");
        }
    }

    private Task AddAsync(string name, string cron, string tz = "UTC", bool overlap = false) =>
        _store.AddScheduleAsync(new ScheduleRecord { Name = name, Kind = "exec", Definition = "true", Cron = cron, TimeZone = tz, AllowOverlap = overlap, CreatedAt = _time.GetUtcNow() }, CancellationToken.None);

    [Fact]
    public void NextOccurrence_TimeZone_ReadsCronInThatZone()
    {
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 1, 0, 0, TimeSpan.Zero), CronSchedule.NextOccurrence("0 2 * * *", "Europe/Berlin", T0));
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 2, 0, 0, TimeSpan.Zero), CronSchedule.NextOccurrence("0 2 * * *", "UTC", T0));
        Assert.Equal(T0.AddSeconds(10), CronSchedule.NextOccurrence("*/10 * * * * *", "UTC", T0));
    }

    [Theory]
    [InlineData("0 2 * * 0", "exec-prod-weekly")]
    [InlineData("15 * * * *", "exec-prod-hourly")]
    [InlineData("0 3 * * *", "exec-prod-daily")]
    [InlineData("0 3 1 * *", "exec-prod-monthly")]
    [InlineData("*/5 * * * *", "exec-prod-custom")]
    public void DefaultName_ClassifiesFrequency(string cron, string expected) =>
        Assert.Equal(expected, CronSchedule.DefaultName("exec", "prod", cron));

    [Theory]
    [InlineData("61 * * * *", "UTC", "invalid cron expression '61 * * * *'")]
    [InlineData("* * *", "UTC", "expected 5 fields")]
    [InlineData("0 2 * * *", "Mars/Olympus", "unknown time zone 'Mars/Olympus'")]
    public void Validate_Invalid_ReturnsClearError(string cron, string tz, string expected) =>
        Assert.Contains(expected, Assert.Single(CronSchedule.Validate(cron, tz)), StringComparison.Ordinal);

    [Fact(Timeout = 30000)]
    public async Task Tick_FiresWhenDue_RecordsFireAndResult()
    {
        await AddAsync("five", "*/5 * * * *");
        var launcher = new Launcher();
        var scheduler = new Scheduler(_store, launcher, _time);

        DateTimeOffset? next = await scheduler.TickAsync(CancellationToken.None);
        Assert.Empty(launcher.Launched);
        Assert.Equal(T0.AddMinutes(5), next);

        _time.Advance(TimeSpan.FromMinutes(5));
        await scheduler.TickAsync(CancellationToken.None);
        await scheduler.WhenIdleAsync();

        Assert.Equal(["five"], launcher.Launched);
        ScheduleRecord s = Assert.Single(await _store.GetSchedulesAsync(CancellationToken.None));
        Assert.Equal((T0.AddMinutes(5), "run-1", "succeeded"), (s.LastFireAt!.Value, s.LastRunId!, s.LastResult!));
    }

    [Fact(Timeout = 30000)]
    public async Task Tick_AfterDowntime_MissedFiresRunOnce()
    {
        await AddAsync("hourly", "0 * * * *");
        var launcher = new Launcher();

        _time.Advance(TimeSpan.FromHours(5.5)); // five occurrences missed while no scheduler ran
        var scheduler = new Scheduler(_store, launcher, _time);
        DateTimeOffset? next = await scheduler.TickAsync(CancellationToken.None);
        await scheduler.TickAsync(CancellationToken.None);
        await scheduler.WhenIdleAsync();

        Assert.Single(launcher.Launched);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 16, 0, 0, TimeSpan.Zero), next);
    }

    [Fact(Timeout = 30000)]
    public async Task Tick_PreviousRunStillRunning_SkipsUnlessOverlapAllowed()
    {
        await AddAsync("solo", "* * * * *");
        await AddAsync("shared", "* * * * *", overlap: true);
        var launcher = new Launcher { Block = new TaskCompletionSource() };
        var scheduler = new Scheduler(_store, launcher, _time);

        _time.Advance(TimeSpan.FromMinutes(1));
        await scheduler.TickAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));
        await scheduler.TickAsync(CancellationToken.None);
        launcher.Block.SetResult();
        await scheduler.WhenIdleAsync();

        Assert.Equal(1, launcher.Launched.Count(n => n == "solo"));
        Assert.Equal(2, launcher.Launched.Count(n => n == "shared"));
    }

    [Fact(Timeout = 30000)]
    public async Task Tick_OverlapSkipped_IsRecordedAsSkipped()
    {
        await AddAsync("solo", "* * * * *");
        var launcher = new Launcher { Block = new TaskCompletionSource() };
        var scheduler = new Scheduler(_store, launcher, _time);

        _time.Advance(TimeSpan.FromMinutes(1));
        await scheduler.TickAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));
        await scheduler.TickAsync(CancellationToken.None);

        Assert.StartsWith("skipped", Assert.Single(await _store.GetSchedulesAsync(CancellationToken.None)).LastResult, StringComparison.Ordinal);
        launcher.Block.SetResult();
        await scheduler.WhenIdleAsync();
    }

    [Fact(Timeout = 30000)]
    public async Task Tick_Paused_DoesNotFire_AndAfterResumeMissedFiresAreNotCaughtUp()
    {
        await AddAsync("five", "*/5 * * * *");
        ScheduleRecord s = Assert.Single(await _store.GetSchedulesAsync(CancellationToken.None));
        await _store.UpdateScheduleAsync(s with { PausedAt = T0 }, CancellationToken.None);
        var launcher = new Launcher();
        var scheduler = new Scheduler(_store, launcher, _time);

        _time.Advance(TimeSpan.FromMinutes(12));
        Assert.Null(await scheduler.TickAsync(CancellationToken.None));
        Assert.Empty(launcher.Launched);
        Assert.Null(Scheduler.NextFire(Assert.Single(await _store.GetSchedulesAsync(CancellationToken.None))));

        // Resumed at 10:12: the 10:05 and 10:10 fires are not caught up; the next is 10:15.
        await _store.UpdateScheduleAsync(s with { PausedAt = null, ResumedAt = _time.GetUtcNow() }, CancellationToken.None);
        Assert.Equal(T0.AddMinutes(15), await scheduler.TickAsync(CancellationToken.None));
        Assert.Empty(launcher.Launched);
        _time.Advance(TimeSpan.FromMinutes(3));
        await scheduler.TickAsync(CancellationToken.None);
        await scheduler.WhenIdleAsync();
        Assert.Equal(["five"], launcher.Launched);
    }

    [Fact(Timeout = 30000)]
    public async Task FireNow_StartsARunAtOnce_AlsoWhenPaused_AndNeverOverlapsUnlessAllowed()
    {
        await AddAsync("solo", "0 3 * * *");
        ScheduleRecord s = Assert.Single(await _store.GetSchedulesAsync(CancellationToken.None)) with { PausedAt = T0 };
        await _store.UpdateScheduleAsync(s, CancellationToken.None);
        var launcher = new Launcher { Block = new TaskCompletionSource() };
        var scheduler = new Scheduler(_store, launcher, _time);

        ScheduleLaunchResult? fired = await scheduler.FireNowAsync(s, CancellationToken.None);
        Assert.Equal(new ScheduleLaunchResult("run-1", "running"), fired);
        ScheduleRecord recorded = Assert.Single(await _store.GetSchedulesAsync(CancellationToken.None));
        Assert.Equal((T0, "running"), (recorded.LastFireAt!.Value, recorded.LastResult!));
        Assert.Null(await scheduler.FireNowAsync(s, CancellationToken.None)); // still running: no overlap
        Assert.Equal(new ScheduleLaunchResult("run-2", "running"), await scheduler.FireNowAsync(s with { AllowOverlap = true }, CancellationToken.None));

        launcher.Block.SetResult();
        await scheduler.WhenIdleAsync();
        Assert.Equal("succeeded", Assert.Single(await _store.GetSchedulesAsync(CancellationToken.None)).LastResult);

        // A fire that starts no run answers its error, recorded as a failed run (as a timed fire is).
        ScheduleLaunchResult? failed = await new Scheduler(_store, new FailingLauncher(), _time).FireNowAsync(s, CancellationToken.None);
        Assert.Equal("error: workflow file '/gone.yaml' does not exist", failed!.Result);
        Assert.NotNull(failed.RunId);
        Assert.Equal(failed.RunId, Assert.Single(await _store.GetSchedulesAsync(CancellationToken.None)).LastRunId);
    }

    [Fact(Timeout = 30000)]
    public async Task Tick_TimeZone_FiresAtLocalTime()
    {
        await AddAsync("berlin", "0 12 * * *", "Europe/Berlin"); // 11:00 UTC in winter
        var launcher = new Launcher();
        var scheduler = new Scheduler(_store, launcher, _time);

        _time.Advance(TimeSpan.FromMinutes(59));
        await scheduler.TickAsync(CancellationToken.None);
        Assert.Empty(launcher.Launched);
        _time.Advance(TimeSpan.FromMinutes(1));
        await scheduler.TickAsync(CancellationToken.None);
        await scheduler.WhenIdleAsync();

        Assert.Equal(["berlin"], launcher.Launched);
    }

    [Fact(Timeout = 30000)]
    public async Task Fire_LauncherError_IsAFailedRunInHistory_LoggedAtWarning()
    {
        await AddAsync("broken", "*/5 * * * *");
        var logger = new Logger();
        var scheduler = new Scheduler(_store, new FailingLauncher(), _time, logger: logger);

        _time.Advance(TimeSpan.FromMinutes(5));
        await scheduler.TickAsync(CancellationToken.None);
        await scheduler.WhenIdleAsync();

        RunRecord run = Assert.Single(await _store.QueryRunsAsync(new RunQuery(), CancellationToken.None));
        Assert.Equal((RunStatus.Failed, "exec", "broken", "schedule:broken"), (run.Status, run.Kind, run.Name, run.Actor));
        Assert.Equal("schedule fire failed: workflow file '/gone.yaml' does not exist", run.StopReason);
        ScheduleRecord s = Assert.Single(await _store.GetSchedulesAsync(CancellationToken.None));
        Assert.Equal((run.RunId, "error: workflow file '/gone.yaml' does not exist"), (s.LastRunId!, s.LastResult!));
        Assert.Contains(logger.Lines, l => l.StartsWith("Warning: Schedule broken could not fire", StringComparison.Ordinal));
    }

    private sealed class FailingLauncher : IScheduleLauncher
    {
        public Task<ScheduleLaunchResult> LaunchAsync(ScheduleRecord schedule, Action<string> started, CancellationToken cancellationToken) =>
            Task.FromResult(new ScheduleLaunchResult(null, "error: workflow file '/gone.yaml' does not exist"));
    }

    private sealed class Logger : Microsoft.Extensions.Logging.ILogger
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}
