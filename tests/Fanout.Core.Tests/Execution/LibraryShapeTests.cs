using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Transports;

namespace Fanout.Core.Tests.Execution;

/// <summary>The library's ergonomics (issue 16): no mandatory registry, materialised partitions, outcomes carrying their target.</summary>
public sealed class LibraryShapeTests
{
    [Fact]
    public async Task ExecutorWithoutRegistry_RunsDelegatesAndLocalCommands()
    {
        var executor = new BatchExecutor(new ExecutionOptions { MaxConcurrency = 2 });
        List<Target> targets = [new() { Name = "a" }, new() { Name = "b" }];

        BatchResult viaDelegate = await executor.ExecuteAsync(Operation.FromDelegate("noop", (_, _) => Task.FromResult(OperationResult.Succeeded())), targets);
        BatchResult viaShell = await executor.ExecuteAsync(new CommandOperation(CommandSpec.Sh("echo \"hi $FANOUT_TARGET\"")), targets);

        Assert.True(viaDelegate.AllSucceeded);
        Assert.True(viaShell.AllSucceeded, viaShell.CombinedError);
        Assert.Equal("hi b", viaShell.Outcomes[1].Stdout.Text.Trim());
    }

    [Fact]
    public async Task Outcomes_CarryTheirTargets_AndFailedTargetsRunAgain()
    {
        List<Target> targets = [.. Enumerable.Range(1, 6).Select(i => new Target { Name = $"n{i}", Tags = new Dictionary<string, string> { ["i"] = $"{i}" } })];
        var executor = new BatchExecutor(new ExecutionOptions { MaxConcurrency = 3 });
        IOperation evenFails = Operation.FromDelegate("even-fails", (t, _) => Task.FromResult(int.Parse(t.Tags["i"], System.Globalization.CultureInfo.InvariantCulture) % 2 == 0 ? OperationResult.Failed("even") : OperationResult.Succeeded()));

        BatchResult result = await executor.ExecuteAsync(evenFails, targets);

        Assert.All(result.Outcomes, o => Assert.Same(targets.Single(t => t.Name == o.Target), o.TargetDefinition));
        Assert.Equal(["n2", "n4", "n6"], result.FailedTargets.Select(t => t.Name));
        Assert.Same(targets[1], result.FailedTargets[0]);
        BatchResult again = await executor.ExecuteAsync(evenFails, result.FailedTargets);
        Assert.Equal(3, again.Total);
    }

    [Fact]
    public async Task SuccessesAndFailures_AreListsComputedOnce()
    {
        List<Target> targets = [new() { Name = "ok" }, new() { Name = "bad" }, new() { Name = "skip" }];
        var executor = new BatchExecutor(new ExecutionOptions());
        BatchResult result = await executor.ExecuteAsync(
            Operation.FromDelegate("mixed", (t, _) => Task.FromResult(t.Name switch { "ok" => OperationResult.Succeeded(), "bad" => OperationResult.Failed("x"), _ => OperationResult.Skip() })),
            targets);

        Assert.Same(result.Successes, result.Successes);
        Assert.Same(result.Failures, result.Failures);
        Assert.Equal(["ok"], result.Successes.Select(o => o.Target));
        Assert.Equal(["bad"], result.Failures.Select(o => o.Target));

        // A copy with other outcomes partitions its own outcomes, and equality ignores the cache.
        BatchResult copy = result with { Outcomes = [result.Outcomes[0]] };
        Assert.Empty(copy.Failures);
        Assert.True(copy.AllSucceeded);
        Assert.Equal(result, result with { });
    }
}
