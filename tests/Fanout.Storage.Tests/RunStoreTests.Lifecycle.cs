using Fanout.Runs;

namespace Fanout.Storage.Tests;

public abstract partial class RunStoreTests
{
    [Fact(Timeout = 30000)]
    public async Task GetRun_LeaseExpired_ReportsAndStoresInterrupted()
    {
        IRunStore store = await OpenAsync();
        await store.CreateRunAsync(NewRun("r") with { OwnerHost = "other-host" }, Targets("a"), CancellationToken.None);
        Assert.Equal(RunStatus.Running, (await store.GetRunAsync("r", CancellationToken.None))!.Status);

        Time.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal(RunStatus.Interrupted, (await store.GetRunAsync("r", CancellationToken.None))!.Status);
        Assert.Equal(RunStatus.Interrupted, Assert.Single(await store.QueryRunsAsync(new RunQuery { Status = RunStatus.Interrupted }, CancellationToken.None)).Status);
        Assert.False(await store.RenewLeaseAsync("r", Time.GetUtcNow().AddSeconds(30), CancellationToken.None));
    }

    [Fact(Timeout = 30000)]
    public async Task QueryRuns_OwnerPidGoneOnSameHost_InterruptedBeforeLeaseExpires()
    {
        IRunStore store = await OpenAsync();
        await store.CreateRunAsync(NewRun("alive"), Targets("a"), CancellationToken.None);
        await store.CreateRunAsync(NewRun("dead") with { OwnerPid = 999 }, Targets("a"), CancellationToken.None);
        await store.CreateRunAsync(NewRun("remote") with { OwnerPid = 999, OwnerHost = "host-b" }, Targets("a"), CancellationToken.None);

        IReadOnlyList<RunRecord> runs = await store.QueryRunsAsync(new RunQuery(), CancellationToken.None);

        var status = runs.ToDictionary(r => r.RunId, r => r.Status);
        Assert.Equal(RunStatus.Running, status["alive"]);
        Assert.Equal(RunStatus.Interrupted, status["dead"]);
        Assert.Equal(RunStatus.Running, status["remote"]); // another host: only its lease can tell
        Assert.Contains("999", runs.Single(r => r.RunId == "dead").StopReason, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task RenewLease_KeepsRunRunningPastFirstExpiry()
    {
        IRunStore store = await OpenAsync();
        await store.CreateRunAsync(NewRun("r") with { OwnerHost = "other-host" }, Targets("a"), CancellationToken.None);

        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.True(await store.RenewLeaseAsync("r", Time.GetUtcNow().AddSeconds(30), CancellationToken.None));
        Time.Advance(TimeSpan.FromSeconds(20));

        Assert.Equal(RunStatus.Running, (await store.GetRunAsync("r", CancellationToken.None))!.Status);
    }

    [Fact(Timeout = 30000)]
    public async Task ReopenRun_OnlyWhenNotRunning_CountsResumes()
    {
        IRunStore store = await OpenAsync();
        await store.CreateRunAsync(NewRun("r"), Targets("a"), CancellationToken.None);

        Assert.False(await store.ReopenRunAsync("r", "host-a", 4242, T0.AddMinutes(1), CancellationToken.None));
        await store.FinishRunAsync("r", RunStatus.Cancelled, T0.AddSeconds(5), RunCounts.Empty, "cancelled", CancellationToken.None);
        Assert.True(await store.ReopenRunAsync("r", "host-a", 4242, T0.AddMinutes(1), CancellationToken.None));
        Assert.False(await store.ReopenRunAsync("missing", "host-a", 4242, T0.AddMinutes(1), CancellationToken.None));

        RunRecord run = (await store.GetRunAsync("r", CancellationToken.None))!;
        Assert.Equal(RunStatus.Running, run.Status);
        Assert.Null(run.EndedAt);
        Assert.Equal(4242, run.OwnerPid);
        Assert.Equal(1, run.ResumeCount);
    }

    [Fact(Timeout = 30000)]
    public async Task RequeueRun_ReadsQueuedUntilReopened_CountsOneResume_RefusedWhileRunningOrQueued()
    {
        IRunStore store = await OpenAsync();
        await store.CreateRunAsync(NewRun("r"), Targets("a"), CancellationToken.None);

        Assert.False(await store.RequeueRunAsync("r", "host-a", 4242, CancellationToken.None)); // running
        await store.FinishRunAsync("r", RunStatus.Failed, T0.AddSeconds(5), RunCounts.Empty, "failed", CancellationToken.None);
        Assert.True(await store.RequeueRunAsync("r", "host-a", 4242, CancellationToken.None));
        RunRecord queued = (await store.GetRunAsync("r", CancellationToken.None))!;
        Assert.False(await store.RequeueRunAsync("r", "host-b", 7, CancellationToken.None)); // already queued: a second resume is refused
        Assert.False(await store.RequeueRunAsync("missing", "host-a", 4242, CancellationToken.None));
        Assert.True(await store.ReopenRunAsync("r", "host-a", 4242, T0.AddMinutes(1), CancellationToken.None)); // the queued resume starts

        Assert.Equal((RunStatus.Queued, null, null, "host-a", 4242), (queued.Status, queued.EndedAt, queued.StopReason, queued.OwnerHost, queued.OwnerPid));
        RunRecord running = (await store.GetRunAsync("r", CancellationToken.None))!;
        Assert.Equal((RunStatus.Running, 1), (running.Status, running.ResumeCount));
    }

    [Fact(Timeout = 30000)]
    public async Task Cleanup_DeletesOldEndedRunsAndTheirLogs_KeepsNewestAndRunning()
    {
        IRunStore store = await OpenAsync();
        for (int i = 1; i <= 4; i++)
        {
            await store.CreateRunAsync(NewRun($"old{i}", T0.AddDays(-40 + i)), Targets("a"), CancellationToken.None);
            await store.FinishRunAsync($"old{i}", RunStatus.Succeeded, T0.AddDays(-40 + i), RunCounts.Empty, null, CancellationToken.None);
        }

        await store.CreateRunAsync(NewRun("old-running", T0.AddDays(-50)) with { LeaseExpiresAt = T0.AddHours(1) }, Targets("a"), CancellationToken.None);
        await store.CreateRunAsync(NewRun("new", T0.AddDays(-1)), Targets("a"), CancellationToken.None);
        await store.FinishRunAsync("new", RunStatus.Failed, T0, RunCounts.Empty, null, CancellationToken.None);
        string log = RunLogPaths.AttemptLog(store.LogDirectory, "old1", "a", 1, "stdout");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        await File.WriteAllTextAsync(log, "full output");
        await store.WriteAsync(new RunWriteBatch { RunId = "old1", Attempts = [Attempt("old1", "a", 1, AttemptState.Succeeded) with { StdoutLog = log }] }, CancellationToken.None);

        CleanupResult result = await store.CleanupAsync(T0.AddDays(-30), keepLast: 2, CancellationToken.None);

        Assert.Equal(["old1", "old2", "old3"], result.DeletedRunIds.Order());
        Assert.Contains(log, result.DeletedLogFiles);
        Assert.False(File.Exists(log));
        Assert.Equal(["new", "old4", "old-running"], (await store.QueryRunsAsync(new RunQuery(), CancellationToken.None)).Select(r => r.RunId));
        Assert.Empty(await store.GetAttemptsAsync("old1", null, CancellationToken.None));
        Assert.Empty(await store.GetRunTargetsAsync("old1", CancellationToken.None));
    }

    [Fact(Timeout = 30000)]
    public async Task Schedules_AddListRecordFireUpdateDelete()
    {
        IRunStore store = await OpenAsync();
        var schedule = new ScheduleRecord
        {
            Name = "exec-prod-daily",
            Kind = "exec",
            Definition = "uptime",
            Cron = "0 2 * * *",
            TimeZone = "Europe/Berlin",
            Selectors = """{"all":true}""",
            Environment = "prod",
            AllowOverlap = true,
            CreatedAt = T0,
        };

        Assert.True(await store.AddScheduleAsync(schedule, CancellationToken.None));
        Assert.False(await store.AddScheduleAsync(schedule with { Cron = "* * * * *" }, CancellationToken.None));
        await store.RecordScheduleFireAsync("exec-prod-daily", T0.AddDays(1), "run-1", "succeeded", CancellationToken.None);

        ScheduleRecord read = Assert.Single(await store.GetSchedulesAsync(CancellationToken.None));
        Assert.Equal(schedule with { LastFireAt = T0.AddDays(1), LastRunId = "run-1", LastResult = "succeeded" }, read);

        // Update changes timing and state only; the fire history stays.
        ScheduleRecord changed = read with { Cron = "0 4 * * *", TimeZone = "UTC", AllowOverlap = false, PausedAt = T0.AddDays(2), ResumedAt = T0.AddDays(1.5) };
        Assert.True(await store.UpdateScheduleAsync(changed with { LastResult = "ignored", Definition = "ignored" }, CancellationToken.None));
        Assert.Equal(changed, Assert.Single(await store.GetSchedulesAsync(CancellationToken.None)));
        Assert.True(await store.UpdateScheduleAsync(changed with { PausedAt = null }, CancellationToken.None));
        Assert.Null(Assert.Single(await store.GetSchedulesAsync(CancellationToken.None)).PausedAt);
        Assert.False(await store.UpdateScheduleAsync(changed with { Name = "nope" }, CancellationToken.None));

        Assert.True(await store.DeleteScheduleAsync("exec-prod-daily", CancellationToken.None));
        Assert.False(await store.DeleteScheduleAsync("exec-prod-daily", CancellationToken.None));
        Assert.Empty(await store.GetSchedulesAsync(CancellationToken.None));
    }
}
