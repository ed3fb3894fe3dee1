using Fanout.Events;
using Fanout.Execution;
using Fanout.Output;
using Fanout.Runs;

namespace Fanout.Storage.Tests;

public abstract partial class RunStoreTests
{
    private TargetOutcome Outcome(string target, TargetState state, int attempts = 1, string stdout = "") => new()
    {
        Target = target,
        State = state,
        ExitCode = state == TargetState.Succeeded ? 0 : state == TargetState.Failed ? 1 : null,
        Attempts = state == TargetState.NotRun ? 0 : attempts,
        Wave = 1,
        StartedAt = state == TargetState.NotRun ? null : T0,
        Duration = TimeSpan.FromMilliseconds(20),
        Stdout = new CapturedOutput(stdout, stdout.Length, null),
    };

    private TargetFinished Finished(string target, TargetState state, long seq, int attempts = 1, string stdout = "") =>
        new() { RunId = "r", Sequence = seq, Timestamp = T0, Outcome = Outcome(target, state, attempts, stdout) };

    [Fact(Timeout = 30000)]
    public async Task Recorder_StartsAreDurableWhenAwaited_ThenEventsAndCompletionRecordEverything()
    {
        IRunStore store = await OpenAsync();
        string[] names = [.. Enumerable.Range(0, 40).Select(i => $"t{i:D2}")];
        await store.CreateRunAsync(NewRun("r") with { Counts = new RunCounts(names.Length, 0, 0, 0, 0, 0, 0) }, Targets(names), CancellationToken.None);
        await using var recorder = new RunRecorder(store, "r", names.Length, new RunRecorderOptions { StoredOutputCap = 8 }, Time);

        await Task.WhenAll(names.Take(30).Select(n => recorder.MarkStartedAsync(n, 1, 1, CancellationToken.None).AsTask()));
        IReadOnlyList<TargetAttemptRecord> running = await store.GetAttemptsAsync("r", null, CancellationToken.None);
        Assert.Equal(30, running.Count(a => a.State == AttemptState.Running));

        await recorder.MarkStartedAsync("t00", 2, 1, CancellationToken.None);
        recorder.Post(new TargetRetrying { RunId = "r", Sequence = 1, Timestamp = T0, Target = "t00", Attempt = 1, Delay = TimeSpan.Zero, Error = "exit code 1", ExitCode = 1 });
        recorder.Post(Finished("t00", TargetState.Succeeded, 2, attempts: 2, stdout: "a long output line\n"));
        recorder.Post(Finished("t01", TargetState.Failed, 3));
        var outcomes = names.Select(n => n switch
        {
            "t00" => Outcome(n, TargetState.Succeeded, 2, "a long output line\n"),
            "t01" => Outcome(n, TargetState.Failed),
            _ when string.CompareOrdinal(n, "t30") < 0 => Outcome(n, TargetState.Succeeded),
            _ => Outcome(n, TargetState.NotRun),
        }).ToList();
        var result = new BatchResult { RunId = "r", Operation = "exec", StartedAt = T0, EndedAt = T0.AddSeconds(3), Outcomes = outcomes, StopReason = "fail-fast" };
        await recorder.CompleteAsync(result, null, CancellationToken.None);

        RunRecord run = (await store.GetRunAsync("r", CancellationToken.None))!;
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(new RunCounts(40, 29, 1, 0, 0, 10, 0), run.Counts);
        Assert.Equal(T0.AddSeconds(3), run.EndedAt);
        IReadOnlyList<TargetAttemptRecord> t00 = await store.GetAttemptsAsync("r", new AttemptQuery { Target = "t00" }, CancellationToken.None);
        Assert.Equal(["1:failed", "2:succeeded"], t00.Select(a => $"{a.Attempt}:{a.State.ToWireName()}"));
        Assert.Equal("a long o", t00[1].Stdout);
        Assert.Equal("a long output line\n", await File.ReadAllTextAsync(t00[1].StdoutLog!));
        IReadOnlyList<TargetAttemptRecord> latest = await store.GetAttemptsAsync("r", new AttemptQuery { LatestOnly = true }, CancellationToken.None);
        Assert.Equal(40, latest.Count);
        Assert.DoesNotContain(latest, a => a.State == AttemptState.Running);
        Assert.Equal(3, await store.GetLastSequenceAsync("r", CancellationToken.None));
    }

    [Fact(Timeout = 30000)]
    public async Task PlanResume_AfterOwnerDied_KeepsCompleted_RerunsRunningAndUnstarted_ContinuesNumbering()
    {
        IRunStore store = await OpenAsync();
        await store.CreateRunAsync(NewRun("r"), Targets("a", "b", "c", "d"), CancellationToken.None);
        await using (var recorder = new RunRecorder(store, "r", 4, null, Time))
        {
            await recorder.MarkStartedAsync("a", 1, 1, CancellationToken.None);
            await recorder.MarkStartedAsync("b", 1, 1, CancellationToken.None);
            await recorder.MarkStartedAsync("c", 1, 1, CancellationToken.None);
            recorder.Post(Finished("a", TargetState.Succeeded, 1));
            recorder.Post(Finished("c", TargetState.Failed, 2));
        }

        Owner.Alive.Clear(); // the owner process is gone ("kill -9")

        ResumePlan plan = (await RunContinuation.PlanResumeAsync(store, "r", CancellationToken.None))!;

        Assert.Equal(RunStatus.Interrupted, plan.Run.Status);
        Assert.Equal(["b", "c", "d"], plan.Remaining.Select(t => t.Target));
        Assert.Equal(["b"], plan.WereRunning);
        Assert.Equal(TargetState.Succeeded, plan.Completed["a"]);
        Assert.Equal(1, plan.AttemptOffsets["b"]);
        Assert.Equal(2, plan.LastSequence);
        Assert.Equal(["c"], (await RunContinuation.SelectForRetryAsync(store, "r", RetrySelection.Failed, CancellationToken.None)).Select(t => t.Target));
        Assert.Equal(["b", "d"], (await RunContinuation.SelectForRetryAsync(store, "r", RetrySelection.NotRun, CancellationToken.None)).Select(t => t.Target));

        Owner.Alive.Add(4242);
        Assert.True(await store.ReopenRunAsync("r", "host-a", 4242, Time.GetUtcNow().AddSeconds(30), CancellationToken.None));
        await using var resumed = new RunRecorder(store, "r", 4, null, Time, plan.AttemptOffsets, plan.LastSequence, plan.Completed);
        await resumed.MarkStartedAsync("b", 1, 1, CancellationToken.None);
        resumed.Post(Finished("b", TargetState.Succeeded, 1));
        await resumed.CompleteAsync(new BatchResult
        {
            RunId = "r", Operation = "exec", StartedAt = T0, EndedAt = T0.AddSeconds(1),
            Outcomes = [Outcome("b", TargetState.Succeeded), Outcome("c", TargetState.Succeeded), Outcome("d", TargetState.Succeeded)],
        }, null, CancellationToken.None);

        IReadOnlyList<TargetAttemptRecord> b = await store.GetAttemptsAsync("r", new AttemptQuery { Target = "b" }, CancellationToken.None);
        Assert.Equal(["1:running", "2:succeeded"], b.Select(a => $"{a.Attempt}:{a.State.ToWireName()}"));
        RunRecord run = (await store.GetRunAsync("r", CancellationToken.None))!;
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(new RunCounts(4, 4, 0, 0, 0, 0, 0), run.Counts);
        Assert.Equal(3, await store.GetLastSequenceAsync("r", CancellationToken.None));
    }

    [Fact(Timeout = 30000)]
    public async Task Recorder_Lookahead_ClaimsNextTargetsDurably_DeletesClaimsThatNeverStarted()
    {
        IRunStore store = await OpenAsync();
        string[] names = ["a", "b", "c", "d", "e"];
        await store.CreateRunAsync(NewRun("r"), Targets(names), CancellationToken.None);
        var recorder = new RunRecorder(store, "r", names.Length, new RunRecorderOptions { StartLookahead = 2 }, Time, plannedOrder: names);

        await recorder.MarkStartedAsync("a", 1, 1, CancellationToken.None);
        IReadOnlyList<TargetAttemptRecord> durable = await store.GetAttemptsAsync("r", null, CancellationToken.None);
        await recorder.MarkStartedAsync("b", 1, 1, CancellationToken.None); // claimed with a: no wait for a write
        recorder.Post(Finished("a", TargetState.Succeeded, 1));
        recorder.Post(Finished("b", TargetState.Succeeded, 2));
        await recorder.CompleteAsync(new BatchResult
        {
            RunId = "r", Operation = "exec", StartedAt = T0, EndedAt = T0.AddSeconds(1),
            Outcomes = [.. names.Select(n => Outcome(n, n is "a" or "b" ? TargetState.Succeeded : TargetState.NotRun))],
        }, null, CancellationToken.None);
        await recorder.DisposeAsync();

        Assert.Equal(["a:running", "b:running", "c:running"], durable.Select(a => $"{a.Target}:{a.State.ToWireName()}"));
        IReadOnlyList<TargetAttemptRecord> rows = await store.GetAttemptsAsync("r", null, CancellationToken.None);
        Assert.Equal(["a:1:succeeded", "b:1:succeeded", "c:0:not-run", "d:0:not-run", "e:0:not-run"], rows.Select(a => $"{a.Target}:{a.Attempt}:{a.State.ToWireName()}"));
        Assert.Equal(T0, rows[1].StartedAt);
    }
}
