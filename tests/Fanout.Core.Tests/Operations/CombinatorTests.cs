using System.Collections.Concurrent;
using Fanout.Core.Tests.Support;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Transports;

namespace Fanout.Core.Tests.Operations;

public sealed class CombinatorTests
{
    private sealed class Log
    {
        public ConcurrentQueue<string> Entries { get; } = new();

        public IOperation Step(string name, bool fail = false, bool rollback = true) => Operation.FromDelegate(
            name,
            (t, _, _) =>
            {
                Entries.Enqueue($"{name}:{t.Name}");
                return Task.FromResult(fail ? OperationResult.Failed($"{name} broke") : OperationResult.Succeeded());
            },
            rollback ? (t, _, _) =>
            {
                Entries.Enqueue($"undo-{name}:{t.Name}");
                return Task.FromResult(OperationResult.Succeeded());
            }
            : null);
    }

    [Fact(Timeout = 30000)]
    public async Task Composite_StopsAtFirstFailingStep()
    {
        var log = new Log();
        IOperation composite = Operation.Composite("deploy", log.Step("a"), log.Step("b", fail: true), log.Step("c"));

        BatchResult result = await Fleet.Executor(new ExecutionOptions()).ExecuteAsync(composite, Fleet.Targets(1), cancellationToken: Fleet.TestTimeout());

        Assert.Equal(["a:t0", "b:t0"], log.Entries);
        Assert.Equal(TargetState.Failed, result.Outcomes[0].State);
        Assert.Equal("step 'b' failed: b broke", result.Outcomes[0].Error);
        Assert.Equal("deploy", result.Operation);
    }

    [Fact(Timeout = 30000)]
    public async Task Composite_Rollback_UndoesStepsInReverseOrder()
    {
        var log = new Log();
        IOperation composite = Operation.Composite("deploy", log.Step("a"), log.Step("b", rollback: false), log.Step("c"));
        Target target = new() { Name = "t0" };

        OperationResult result = await composite.RollbackAsync(target, null!, CancellationToken.None);

        Assert.True(composite.SupportsRollback);
        Assert.True(result.Success);
        Assert.Equal(["undo-c:t0", "undo-a:t0"], log.Entries);
    }

    [Fact(Timeout = 30000)]
    public async Task Conditional_PredicateFalse_TargetIsSkipped()
    {
        var log = new Log();
        IOperation op = Operation.Conditional(log.Step("migrate"), t => t.Name == "t1");

        BatchResult result = await Fleet.Executor(new ExecutionOptions()).ExecuteAsync(op, Fleet.Targets(3), cancellationToken: Fleet.TestTimeout());

        Assert.Equal([TargetState.Skipped, TargetState.Succeeded, TargetState.Skipped], result.Outcomes.Select(o => o.State));
        Assert.Equal(["migrate:t1"], log.Entries);
        Assert.True(result.AllSucceeded);
        Assert.Equal(1.0 / 3, result.SuccessRate, 3);
    }

    [Fact(Timeout = 30000)]
    public async Task Retry_FailsTwice_SucceedsOnThirdWithBackoffOnContextClock()
    {
        var time = new ObservedTimeProvider();
        int calls = 0;
        IOperation flaky = Operation.FromDelegate("flaky", (_, _) =>
            Task.FromResult(Interlocked.Increment(ref calls) < 3 ? OperationResult.Failed("not yet") : OperationResult.Succeeded()));
        IOperation op = Operation.Retry(flaky, attempts: 5, delay: TimeSpan.FromSeconds(2), Backoff.Exponential);

        Task<BatchResult> run = Fleet.Executor(new ExecutionOptions { Timeout = Timeout.InfiniteTimeSpan }, time).ExecuteAsync(op, Fleet.Targets(1), cancellationToken: Fleet.TestTimeout());
        TimeSpan first = await time.AdvanceNextTimerAsync();
        TimeSpan second = await time.AdvanceNextTimerAsync();
        BatchResult result = await run;

        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)], new[] { first, second });
        Assert.Equal(3, calls);
        Assert.Equal(TargetState.Succeeded, result.Outcomes[0].State);
        Assert.Equal(1, result.Outcomes[0].Attempts);
        Assert.Equal(3, result.Outcomes[0].Data!["tries"]);
    }

    [Fact(Timeout = 30000)]
    public async Task Retry_TransportErrors_AreRetriedUntilAttemptsRunOut()
    {
        int calls = 0;
        IOperation unreachable = Operation.FromDelegate("connect", (_, _) =>
        {
            Interlocked.Increment(ref calls);
            throw new TransportException("refused");
        });

        BatchResult result = await Fleet.Executor(new ExecutionOptions())
            .ExecuteAsync(Operation.Retry(unreachable, 3, TimeSpan.Zero), Fleet.Targets(1), cancellationToken: Fleet.TestTimeout());

        Assert.Equal(3, calls);
        Assert.Equal("refused", result.Outcomes[0].Error);
    }

    [Fact]
    public void Retry_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Operation.Retry(Fleet.Ok(), 0, TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => Operation.Composite("empty"));
    }

    [Fact(Timeout = 30000)]
    public async Task Chain_StopOnFailure_LaterStepsAndWavesNotRun()
    {
        var log = new Log();
        var chain = new OperationChain(stopOnFailure: true, log.Step("stop"), log.Step("upgrade", fail: true), log.Step("start"));
        var options = new ExecutionOptions { BatchSizes = [new WaveSize(2, false)] };

        IReadOnlyList<BatchResult> steps = await chain.ExecuteAsync(Fleet.Executor(options), Fleet.Targets(4), cancellationToken: Fleet.TestTimeout());

        Assert.Equal([TargetState.Succeeded, TargetState.Succeeded, TargetState.NotRun, TargetState.NotRun], steps[0].Outcomes.Select(o => o.State));
        Assert.Equal([TargetState.Failed, TargetState.Failed, TargetState.NotRun, TargetState.NotRun], steps[1].Outcomes.Select(o => o.State));
        Assert.All(steps[2].Outcomes, o => Assert.Equal(TargetState.NotRun, o.State));
        Assert.Equal("step 'upgrade' failed on 2 target(s) in wave 1", steps[2].StopReason);
        Assert.DoesNotContain(log.Entries, e => e.StartsWith("start", StringComparison.Ordinal));
    }

    [Fact(Timeout = 30000)]
    public async Task Chain_WithoutStopOnFailure_RunsEveryStepOnEveryTarget()
    {
        var log = new Log();
        var chain = new OperationChain(stopOnFailure: false).Then(log.Step("a", fail: true)).Then(log.Step("b"));

        IReadOnlyList<BatchResult> steps = await chain.ExecuteAsync(Fleet.Executor(new ExecutionOptions()), Fleet.Targets(3), cancellationToken: Fleet.TestTimeout());

        Assert.Equal(3, steps[0].Count(TargetState.Failed));
        Assert.Equal(3, steps[1].Count(TargetState.Succeeded));
        Assert.Equal("a → b", chain.Name);
    }
}
