using Fanout.Core.Tests.Support;
using Fanout.Execution;
using Fanout.Operations;

namespace Fanout.Core.Tests.Execution;

public sealed class TimeoutTests
{
    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_TargetExceedsTimeout_IsTimedOutWhileOthersCarryOn()
    {
        var time = new ObservedTimeProvider();
        var hung = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        IOperation op = Fleet.Op((target, _, ct) =>
        {
            if (target.Name != "t1")
            {
                return Task.FromResult(OperationResult.Succeeded());
            }

            hung.TrySetResult();
            return Fleet.HangAsync(ct);
        });
        var options = new ExecutionOptions { MaxConcurrency = 2, Timeout = TimeSpan.FromSeconds(30) };

        Task<BatchResult> run = Fleet.Executor(options, time).ExecuteAsync(op, Fleet.Targets(5), cancellationToken: Fleet.TestTimeout());
        await hung.Task;
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(run.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        BatchResult result = await run;

        TargetOutcome timedOut = result.Outcomes[1];
        Assert.Equal(TargetState.TimedOut, timedOut.State);
        Assert.Equal("timed out after 30s", timedOut.Error);
        Assert.Equal(TimeSpan.FromSeconds(30), timedOut.Duration);
        Assert.Equal(4, result.Count(TargetState.Succeeded));
        Assert.Null(result.StopReason);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_OperationIgnoresTokenButReturnsFailure_IsStillTimedOut()
    {
        var time = new ObservedTimeProvider();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        IOperation op = Fleet.Op(async (_, _, ct) =>
        {
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using CancellationTokenRegistration reg = ct.Register(() => killed.TrySetResult());
            entered.TrySetResult();
            await killed.Task;
            return OperationResult.Failed("killed", exitCode: 137);
        });

        Task<BatchResult> run = Fleet.Executor(new ExecutionOptions { Timeout = TimeSpan.FromSeconds(5) }, time)
            .ExecuteAsync(op, Fleet.Targets(1), cancellationToken: Fleet.TestTimeout());
        await entered.Task;
        time.Advance(TimeSpan.FromSeconds(5));
        BatchResult result = await run;

        Assert.Equal(TargetState.TimedOut, result.Outcomes[0].State);
        Assert.Equal(137, result.Outcomes[0].ExitCode);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_OverallTimeout_CancelsRunningAndLeavesUnstartedNotRun()
    {
        var time = new ObservedTimeProvider();
        int started = 0;
        var bothRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        IOperation op = Fleet.Op((target, _, ct) =>
        {
            if (target.Name == "t0")
            {
                return Task.FromResult(OperationResult.Succeeded());
            }

            if (Interlocked.Increment(ref started) == 2)
            {
                bothRunning.TrySetResult();
            }

            return Fleet.HangAsync(ct);
        });
        var options = new ExecutionOptions { MaxConcurrency = 2, OverallTimeout = TimeSpan.FromMinutes(1), Timeout = Timeout.InfiniteTimeSpan };

        Task<BatchResult> run = Fleet.Executor(options, time).ExecuteAsync(op, Fleet.Targets(6), cancellationToken: Fleet.TestTimeout());
        await bothRunning.Task;
        time.Advance(TimeSpan.FromMinutes(1));
        BatchResult result = await run;

        Assert.Equal(TargetState.Succeeded, result.Outcomes[0].State);
        Assert.Equal(2, result.Count(TargetState.Cancelled));
        Assert.All(result.Outcomes.Where(o => o.State == TargetState.Cancelled), o => Assert.Equal("overall timeout", o.Error));
        Assert.Equal(3, result.Count(TargetState.NotRun));
        Assert.All(result.Outcomes.Where(o => o.State == TargetState.NotRun), o => Assert.Equal("not run: overall timeout", o.Error));
        Assert.True(result.Cancelled);
        Assert.Equal("overall timeout", result.StopReason);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_SecondTargetInSameSlot_TimesOutAtItsOwnDeadline()
    {
        // The slot's timer is armed by t0 at 0 s; t1 starts at 5 s and must time out at 15 s, not 10 s.
        var time = new ObservedTimeProvider();
        var firstWorking = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondHanging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        IOperation op = Fleet.Op(async (t, ctx, ct) =>
        {
            if (t.Name == "t0")
            {
                Task work = Task.Delay(TimeSpan.FromSeconds(5), ctx.TimeProvider, ct);
                firstWorking.TrySetResult();
                await work;
                return OperationResult.Succeeded();
            }

            Task<OperationResult> hang = Fleet.HangAsync(ct);
            secondHanging.TrySetResult();
            return await hang;
        });

        Task<BatchResult> run = Fleet.Executor(new ExecutionOptions { MaxConcurrency = 1, Timeout = TimeSpan.FromSeconds(10) }, time)
            .ExecuteAsync(op, Fleet.Targets(2), cancellationToken: Fleet.TestTimeout());
        await firstWorking.Task;
        time.Advance(TimeSpan.FromSeconds(5));
        await secondHanging.Task;
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(run.IsCompleted, "t1 has run only 5 s of its 10 s");
        time.Advance(TimeSpan.FromSeconds(5));
        BatchResult result = await run;

        Assert.Equal(TargetState.Succeeded, result.Outcomes[0].State);
        Assert.Equal(TargetState.TimedOut, result.Outcomes[1].State);
        Assert.Equal(TimeSpan.FromSeconds(10), result.Outcomes[1].Duration);
    }
}
