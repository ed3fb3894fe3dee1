using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Runs;
using Fanout.Selection;

namespace Fanout.Core.Tests.Runs;

/// <summary>The no-op operation (issue 15): recorded as run kind <c>noop</c> and rebuilt from the record (resume, retry, workers).</summary>
public sealed class NoopOperationTests
{
    [Fact]
    public void Describe_RecordsKindNoop_AndTheRecordRebuildsTheNoop()
    {
        RunDefinition recorded = RunDefinition.Describe(NoopOperation.Instance, ["/inv.yaml"], new SelectionCriteria(), new ExecutionOptions())!;

        RunDefinition read = RunDefinition.FromJson(recorded.ToJson());

        Assert.Equal(("noop", "noop"), (read.Kind, read.DisplayName));
        Assert.Same(NoopOperation.Instance, read.CreateOperation());
        Assert.True(RunKinds.IsKnown("noop"));
    }

    [Fact]
    public async Task Execute_OverTargetsThatCannotBeReached_SucceedsOnEachWithoutOpeningASession()
    {
        // Port 1 on loopback: any session to these targets fails; the no-op never asks for one.
        Target[] targets = [.. Enumerable.Range(1, 50).Select(i => new Target { Name = $"t{i}", Host = "127.0.0.1", Port = 1, Transport = "ssh" })];

        BatchResult result = await new BatchExecutor(new ExecutionOptions { MaxConcurrency = 8 }).ExecuteAsync(NoopOperation.Instance, targets);

        Assert.Equal(50, result.Count(TargetState.Succeeded));
        Assert.All(result.Outcomes, o => Assert.Null(o.Error));
    }

    [Fact]
    public async Task Execute_Cancelled_IsCancelled()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => NoopOperation.Instance.ExecuteAsync(new Target { Name = "t" }, null!, cancelled.Token));
    }
}
