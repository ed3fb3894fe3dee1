using System.Collections.Concurrent;
using Fanout.Core.Tests.Support;
using Fanout.Events;
using Fanout.Execution;
using Fanout.Operations;

namespace Fanout.Core.Tests.Execution;

public sealed class CancellationTests
{
    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_Cancelled_PartialResultsCountEveryStateAndForceAfterGrace()
    {
        // Concurrency 2 and this order give every state: a ok, b fails, c skipped; then d (hangs,
        // times out at 10 s) runs beside p (5 s of work); e starts at 5 s and honours
        // cancellation; f starts at 10 s and ignores it; g and h never start.
        var time = new ObservedTimeProvider();
        var entered = new ConcurrentDictionary<string, TaskCompletionSource>();
        Task Entered(string name) => entered.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        void Enter(string name) => entered.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        var ignoring = new TaskCompletionSource<OperationResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        IOperation op = Fleet.Op(async (t, ctx, ct) =>
        {
            switch (t.Name)
            {
                case "a": return OperationResult.Succeeded();
                case "b": return OperationResult.Failed("bad", 2);
                case "c": return OperationResult.Skip("not needed");
                case "u":
                    await ctx.GetSessionAsync(ct); // the fake transport refuses u: it never gets a session
                    return OperationResult.Succeeded();
                case "p":
                    Task work = Task.Delay(TimeSpan.FromSeconds(5), ctx.TimeProvider, ct);
                    Enter("p");
                    await work;
                    return OperationResult.Succeeded();
                case "f":
                    Enter("f");
                    return await ignoring.Task; // ignores its token
                default:
                    Task hang = Fleet.HangAsync(ct);
                    Enter(t.Name);
                    return await (Task<OperationResult>)hang;
            }
        });
        var tracker = new ProgressTracker(time);
        var finished = new ConcurrentDictionary<string, TaskCompletionSource>();
        tracker.OnTargetFinished((o, _, _) => finished.GetOrAdd(o.Target, _ => new()).TrySetResult());
        var options = new ExecutionOptions { MaxConcurrency = 2, Timeout = TimeSpan.FromSeconds(10), CancellationGracePeriod = TimeSpan.FromSeconds(30) };
        string[] names = ["a", "b", "c", "u", "d", "p", "e", "f", "g", "h"];
        var transport = new FakeTransport();
        transport.Unreachable.Add("u");
        using var cts = new CancellationTokenSource();

        Task<BatchResult> run = Fleet.Executor(options, time, transport).ExecuteAsync(op, [.. names.Select(n => new Fanout.Inventory.Target { Name = n, Transport = "fake" })], tracker, cancellationToken: cts.Token);
        await Task.WhenAll(Entered("d"), Entered("p"));
        time.Advance(TimeSpan.FromSeconds(5));
        await Entered("e");
        time.Advance(TimeSpan.FromSeconds(5));
        await Entered("f");
        cts.Cancel();
        await finished.GetOrAdd("e", _ => new()).Task;
        Assert.False(run.IsCompleted, "f ignores cancellation: the run waits for the grace period");
        time.Advance(TimeSpan.FromSeconds(30));
        BatchResult result = await run;
        ignoring.SetResult(OperationResult.Succeeded()); // the abandoned operation finishing late changes nothing

        Dictionary<string, TargetOutcome> by = result.Outcomes.ToDictionary(o => o.Target);
        Assert.Equal(TargetState.Succeeded, by["a"].State);
        Assert.Equal(TargetState.Failed, by["b"].State);
        Assert.Equal(TargetState.Skipped, by["c"].State);
        Assert.Equal(TargetState.TimedOut, by["d"].State);
        Assert.Equal(TargetState.Succeeded, by["p"].State);
        Assert.Equal(TargetState.Cancelled, by["e"].State);
        Assert.Equal("cancelled", by["e"].Error);
        Assert.Equal(TargetState.Cancelled, by["f"].State);
        Assert.Equal("cancelled: did not stop within the grace period of 30s", by["f"].Error);
        Assert.Equal(TargetState.NotRun, by["g"].State);
        Assert.Equal(TargetState.NotRun, by["h"].State);
        Assert.True(result.Cancelled);
        Assert.Equal("cancelled", result.StopReason);
        foreach (TargetState state in Enum.GetValues<TargetState>())
        {
            Assert.True(result.Count(state) > 0, $"no target is {state}");
        }

        Assert.Equal(names.Length, Enum.GetValues<TargetState>().Sum(result.Count));
        Assert.Equal(TargetState.Cancelled, result.Outcomes.Single(o => o.Target == "f").State);
        ProgressSnapshot snapshot = tracker.Snapshot();
        Assert.Equal(names.Length, snapshot.Completed);
        Assert.Equal(2, snapshot.Cancelled);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_CancelledBeforeStart_EverythingNotRun()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        BatchResult result = await Fleet.Executor(new ExecutionOptions()).ExecuteAsync(Fleet.Ok(), Fleet.Targets(5), cancellationToken: cts.Token);

        Assert.Equal(5, result.Count(TargetState.NotRun));
        Assert.True(result.Cancelled);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_CancelledDuringBatchWait_RemainingWavesNotRun()
    {
        var time = new ObservedTimeProvider();
        using var cts = new CancellationTokenSource();
        var options = new ExecutionOptions { BatchSizes = [new WaveSize(1, false)], BatchWait = TimeSpan.FromMinutes(1), Timeout = Timeout.InfiniteTimeSpan };

        Task<BatchResult> run = Fleet.Executor(options, time).ExecuteAsync(Fleet.Ok(), Fleet.Targets(3), cancellationToken: cts.Token);
        await time.NextTimerAsync();
        await cts.CancelAsync();
        BatchResult result = await run;

        Assert.Equal(TargetState.Succeeded, result.Outcomes[0].State);
        Assert.Equal([TargetState.NotRun, TargetState.NotRun], result.Outcomes.Skip(1).Select(o => o.State));
    }
}
