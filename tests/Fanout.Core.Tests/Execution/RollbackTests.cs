using System.Collections.Concurrent;
using Fanout.Core.Tests.Support;
using Fanout.Execution;
using Fanout.Operations;

namespace Fanout.Core.Tests.Execution;

public sealed class RollbackTests
{
    private sealed class Recorder
    {
        public ConcurrentBag<string> RolledBack { get; } = [];

        public IOperation Operation(string failOn, string? rollbackFailsOn = null) => Fanout.Operations.Operation.FromDelegate(
            "deploy",
            (t, _, _) => Task.FromResult(t.Name == failOn ? OperationResult.Failed("deploy broke", 1) : OperationResult.Succeeded()),
            rollback: (t, _, _) =>
            {
                RolledBack.Add(t.Name);
                return Task.FromResult(t.Name == rollbackFailsOn ? OperationResult.Failed("cannot undo") : OperationResult.Succeeded());
            });
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteWithRollbackAsync_OneFails_RollsBackExactlyTheSucceeded()
    {
        var recorder = new Recorder();

        BatchResult result = await Fleet.Executor(new ExecutionOptions { MaxConcurrency = 1 })
            .ExecuteWithRollbackAsync(recorder.Operation(failOn: "t3"), Fleet.Targets(6), cancellationToken: Fleet.TestTimeout());

        Assert.Equal(["t0", "t1", "t2"], recorder.RolledBack.Order());
        Assert.Equal(["t0", "t1", "t2"], result.Rollbacks.Select(r => r.Target).Order());
        Assert.All(result.Rollbacks, r => Assert.True(r.Succeeded));
        Assert.False(result.RollbackPartiallyFailed);
        Assert.Equal(TargetState.Failed, result.Outcomes[3].State);
        Assert.All(result.Outcomes.Skip(4), o => Assert.Equal(TargetState.NotRun, o.State));
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteWithRollbackAsync_RollbackFails_ReportsRollbackPartiallyFailed()
    {
        var recorder = new Recorder();

        BatchResult result = await Fleet.Executor(new ExecutionOptions { MaxConcurrency = 1 })
            .ExecuteWithRollbackAsync(recorder.Operation(failOn: "t2", rollbackFailsOn: "t1"), Fleet.Targets(3), cancellationToken: Fleet.TestTimeout());

        Assert.True(result.RollbackPartiallyFailed);
        RollbackOutcome failed = Assert.Single(result.Rollbacks, r => !r.Succeeded);
        Assert.Equal("t1", failed.Target);
        Assert.Equal("cannot undo", failed.Error);
        Assert.Contains("rollback partially failed", result.CombinedError);
        Assert.Contains("t1: cannot undo", result.CombinedError);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteWithRollbackAsync_AllSucceed_NothingRolledBack()
    {
        var recorder = new Recorder();

        BatchResult result = await Fleet.Executor(new ExecutionOptions())
            .ExecuteWithRollbackAsync(recorder.Operation(failOn: "none"), Fleet.Targets(4), cancellationToken: Fleet.TestTimeout());

        Assert.True(result.AllSucceeded);
        Assert.Empty(result.Rollbacks);
        Assert.Empty(recorder.RolledBack);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteWithRollbackAsync_OperationWithoutRollback_ReportsEachRollbackAsFailed()
    {
        IOperation op = Fleet.Op((t, _, _) => Task.FromResult(t.Name == "t1" ? OperationResult.Failed("x") : OperationResult.Succeeded()), "plain");

        BatchResult result = await Fleet.Executor(new ExecutionOptions { MaxConcurrency = 1 })
            .ExecuteWithRollbackAsync(op, Fleet.Targets(2), cancellationToken: Fleet.TestTimeout());

        RollbackOutcome rollback = Assert.Single(result.Rollbacks);
        Assert.Equal("t0", rollback.Target);
        Assert.Equal("operation 'plain' has no rollback", rollback.Error);
        Assert.True(result.RollbackPartiallyFailed);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_AtomicOption_BehavesLikeExecuteWithRollback()
    {
        var recorder = new Recorder();

        BatchResult result = await Fleet.Executor(new ExecutionOptions { MaxConcurrency = 1, Atomic = true })
            .ExecuteAsync(recorder.Operation(failOn: "t1"), Fleet.Targets(3), cancellationToken: Fleet.TestTimeout());

        Assert.Equal(["t0"], recorder.RolledBack);
        Assert.Single(result.Rollbacks);
    }
}
