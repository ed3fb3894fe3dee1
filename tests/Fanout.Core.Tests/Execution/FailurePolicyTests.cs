using Fanout.Core.Tests.Support;
using Fanout.Execution;
using Fanout.Operations;

namespace Fanout.Core.Tests.Execution;

public sealed class FailurePolicyTests
{
    private static IOperation FailOn(params string[] names)
        => Fleet.Op((t, _, _) => Task.FromResult(names.Contains(t.Name) ? OperationResult.Failed("bad", 1) : OperationResult.Succeeded()));

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_Default_ContinuesOnErrorAndReportsAllFailures()
    {
        BatchResult result = await Fleet.Executor(new ExecutionOptions { MaxConcurrency = 1 })
            .ExecuteAsync(FailOn("t1", "t3"), Fleet.Targets(5), cancellationToken: Fleet.TestTimeout());

        Assert.Equal(3, result.Count(TargetState.Succeeded));
        Assert.Equal(2, result.Count(TargetState.Failed));
        Assert.False(result.AllSucceeded);
        Assert.Equal(0.6, result.SuccessRate, 3);
        Assert.Contains("t1: failed — bad", result.CombinedError);
        Assert.Contains("t3: failed — bad", result.CombinedError);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_FailFast_StopsSchedulingAtFirstFailure()
    {
        BatchResult result = await Fleet.Executor(new ExecutionOptions { MaxConcurrency = 1, FailFast = true })
            .ExecuteAsync(FailOn("t2"), Fleet.Targets(10), cancellationToken: Fleet.TestTimeout());

        Assert.Equal([TargetState.Succeeded, TargetState.Succeeded, TargetState.Failed], result.Outcomes.Take(3).Select(o => o.State));
        Assert.All(result.Outcomes.Skip(3), o => Assert.Equal(TargetState.NotRun, o.State));
        Assert.All(result.Outcomes.Skip(3), o => Assert.Equal(0, o.Attempts));
        Assert.Equal("fail-fast: t2 failed", result.StopReason);
        Assert.False(result.Cancelled);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_MaxFailPercentExceeded_LaterWavesNotRun()
    {
        var options = new ExecutionOptions { MaxConcurrency = 4, BatchSizes = [new WaveSize(4, false)], MaxFailPercent = 25 };

        BatchResult result = await Fleet.Executor(options).ExecuteAsync(FailOn("t0", "t1"), Fleet.Targets(12), cancellationToken: Fleet.TestTimeout());

        Assert.Equal(3, result.WaveCount);
        Assert.Equal(2, result.Count(TargetState.Failed));
        Assert.Equal(2, result.Count(TargetState.Succeeded));
        Assert.All(result.Outcomes.Skip(4), o => Assert.Equal(TargetState.NotRun, o.State));
        Assert.Equal([2, 2, 2, 2, 3, 3, 3, 3], result.Outcomes.Skip(4).Select(o => o.Wave));
        Assert.Equal("max-fail-percent exceeded: 50% of wave 1 failed (limit 25%)", result.StopReason);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_FailuresAtExactlyMaxFailPercent_ContinueWithNextWave()
    {
        var options = new ExecutionOptions { MaxConcurrency = 4, BatchSizes = [new WaveSize(4, false)], MaxFailPercent = 50 };

        BatchResult result = await Fleet.Executor(options).ExecuteAsync(FailOn("t0", "t1"), Fleet.Targets(8), cancellationToken: Fleet.TestTimeout());

        Assert.Equal(6, result.Count(TargetState.Succeeded));
        Assert.Equal(0, result.Count(TargetState.NotRun));
        Assert.Null(result.StopReason);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_ValidationFails_IsFailedWithoutRunning()
    {
        int runs = 0;
        IOperation op = Operation.FromDelegate(
            "op",
            (_, _, _) =>
            {
                Interlocked.Increment(ref runs);
                return Task.FromResult(OperationResult.Succeeded());
            },
            validate: t => t.Name == "t1" ? "needs a host" : null);

        BatchResult result = await Fleet.Executor(new ExecutionOptions()).ExecuteAsync(op, Fleet.Targets(3), cancellationToken: Fleet.TestTimeout());

        Assert.Equal(TargetState.Failed, result.Outcomes[1].State);
        Assert.Equal("validation failed: needs a host", result.Outcomes[1].Error);
        Assert.Equal(0, result.Outcomes[1].Attempts);
        Assert.Equal(2, runs);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_OperationThrows_IsFailedWithTheMessage()
    {
        IOperation op = Fleet.Op((t, _, _) => t.Name == "t0" ? throw new InvalidOperationException("boom") : Task.FromResult(OperationResult.Succeeded()));

        BatchResult result = await Fleet.Executor(new ExecutionOptions()).ExecuteAsync(op, Fleet.Targets(2), cancellationToken: Fleet.TestTimeout());

        Assert.Equal(TargetState.Failed, result.Outcomes[0].State);
        Assert.Equal("boom", result.Outcomes[0].Error);
        Assert.Equal(TargetState.Succeeded, result.Outcomes[1].State);
    }
}
