using Fanout.Core.Tests.Support;
using Fanout.Events;
using Fanout.Execution;
using Fanout.Operations;

namespace Fanout.Core.Tests.Events;

public sealed class ProgressTrackerTests
{
    [Fact(Timeout = 30000)]
    public async Task ReadAllAsync_FastReader_SeesContiguousSequenceFromRunStartedToRunFinished()
    {
        var tracker = new ProgressTracker();
        IAsyncEnumerable<RunEvent> events = tracker.ReadAllAsync(Fleet.TestTimeout());
        Task<List<RunEvent>> reading = Task.Run(async () =>
        {
            var seen = new List<RunEvent>();
            await foreach (RunEvent e in events)
            {
                seen.Add(e);
            }

            return seen;
        });
        var options = new ExecutionOptions { MaxConcurrency = 8, BatchSizes = [new WaveSize(50, false)], Retries = 1, RetryDelay = TimeSpan.Zero };
        IOperation op = Fleet.Op((t, ctx, _) => Task.FromResult(t.Name == "t7" && ctx.Attempt == 1 ? OperationResult.Failed("once") : OperationResult.Succeeded()));

        BatchResult result = await Fleet.Executor(options).ExecuteAsync(op, Fleet.Targets(200), tracker, runId: "r", cancellationToken: Fleet.TestTimeout());
        List<RunEvent> seen = await reading;

        Assert.Equal(Enumerable.Range(1, seen.Count).Select(i => (long)i), seen.Select(e => e.Sequence));
        Assert.IsType<RunStarted>(seen[0]);
        RunFinished finished = Assert.IsType<RunFinished>(seen[^1]);
        Assert.Same(result, finished.Result);
        Assert.Equal(200, seen.OfType<TargetFinished>().Count());
        Assert.Equal(201, seen.OfType<TargetStarted>().Count());
        Assert.Single(seen.OfType<TargetRetrying>());
        Assert.Equal(4, seen.OfType<WaveStarted>().Count());
        Assert.Equal(4, seen.OfType<WaveFinished>().Count());
        Assert.All(seen, e => Assert.Equal("r", e.RunId));
        Assert.Equal(seen.Count, tracker.LastSequence);
    }

    [Fact(Timeout = 30000)]
    public async Task ReadAllAsync_ReaderThatNeverReads_DoesNotBlockTheRunAndKeepsOutcomes()
    {
        const int count = 20_000;
        var tracker = new ProgressTracker(subscriberCapacity: 100);
        IAsyncEnumerable<RunEvent> stalled = tracker.ReadAllAsync(Fleet.TestTimeout());

        // Nobody reads while the run goes on: if writing waited for the reader, this would hang.
        BatchResult result = await Fleet.Executor(new ExecutionOptions { MaxConcurrency = 16 })
            .ExecuteAsync(Fleet.Ok(), Fleet.Targets(count), tracker, cancellationToken: Fleet.TestTimeout());

        Assert.Equal(count, result.Count(TargetState.Succeeded));
        Assert.True(tracker.DroppedEvents > 0, "progress-only events beyond the capacity are dropped for the stalled reader");
        var late = new List<RunEvent>();
        await foreach (RunEvent e in stalled)
        {
            late.Add(e);
        }

        Assert.Equal(count, late.OfType<TargetFinished>().Count());
        Assert.IsType<RunFinished>(late[^1]);
        Assert.True(late.Select(e => e.Sequence).SequenceEqual(late.Select(e => e.Sequence).Order()), "still in order");
    }

    [Fact(Timeout = 30000)]
    public async Task OnTargetFinished_Callback_GetsCompletedAndTotalInOrder()
    {
        var tracker = new ProgressTracker();
        var completed = new List<(int Completed, int Total)>();
        tracker.OnTargetFinished((_, done, total) => completed.Add((done, total)));
        tracker.OnTargetFinished((_, _, _) => throw new InvalidOperationException("a broken callback"));

        BatchResult result = await Fleet.Executor(new ExecutionOptions { MaxConcurrency = 4 })
            .ExecuteAsync(Fleet.Ok(), Fleet.Targets(50), tracker, cancellationToken: Fleet.TestTimeout());

        Assert.True(result.AllSucceeded);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (i, 50)), completed);
    }

    [Fact(Timeout = 30000)]
    public async Task Snapshot_DuringRun_ShowsCountsWaveRunningAndSlowestFirst()
    {
        var time = new ObservedTimeProvider();
        var tracker = new ProgressTracker(time);
        var release = new TaskCompletionSource<OperationResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        int entered = 0;
        var bothIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        IOperation op = Fleet.Op((t, _, _) =>
        {
            if (t.Name is "t0" or "t1")
            {
                return Task.FromResult(OperationResult.Succeeded());
            }

            int n = Interlocked.Increment(ref entered);
            (n == 1 ? firstIn : bothIn).TrySetResult();
            return release.Task;
        });
        var options = new ExecutionOptions { MaxConcurrency = 1, BatchSizes = [new WaveSize(2, false)], Timeout = Timeout.InfiniteTimeSpan };

        Task<BatchResult> run = Fleet.Executor(options, time).ExecuteAsync(op, Fleet.Targets(4), tracker, cancellationToken: Fleet.TestTimeout());
        await firstIn.Task;
        time.Advance(TimeSpan.FromSeconds(3));
        ProgressSnapshot during = tracker.Snapshot();
        release.SetResult(OperationResult.Succeeded());
        BatchResult result = await run;
        ProgressSnapshot after = tracker.Snapshot();

        Assert.Equal(2, during.Completed);
        Assert.Equal(2, during.Succeeded);
        Assert.Equal(2, during.Wave);
        Assert.Equal(2, during.WaveCount);
        Assert.Equal(4, during.Total);
        Assert.Equal(1, during.RunningCount);
        RunningTarget slowest = Assert.Single(during.Slowest);
        Assert.Equal("t2", slowest.Target);
        Assert.Equal(TimeSpan.FromSeconds(3), slowest.Elapsed);
        Assert.Equal(TimeSpan.FromSeconds(3), during.Elapsed);
        Assert.Equal(TimeSpan.FromSeconds(3), during.Eta);
        Assert.True(result.AllSucceeded);
        Assert.True(after.Finished);
        Assert.Equal(4, after.Count(TargetState.Succeeded));
        Assert.Equal(0, after.RunningCount);
    }

    [Fact(Timeout = 30000)]
    public async Task ReadAllAsync_AfterRunFinished_EndsImmediately()
    {
        var tracker = new ProgressTracker();
        await Fleet.Executor(new ExecutionOptions()).ExecuteAsync(Fleet.Ok(), Fleet.Targets(2), tracker, cancellationToken: Fleet.TestTimeout());

        int count = 0;
        await foreach (RunEvent unused in tracker.ReadAllAsync(Fleet.TestTimeout()))
        {
            count++;
        }

        Assert.Equal(0, count);
    }
}
