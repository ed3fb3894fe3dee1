using Fanout.Core.Tests.Support;
using Fanout.Execution;
using Fanout.Operations;

namespace Fanout.Core.Tests.Execution;

public sealed class ConcurrencyTests
{
    [Theory(Timeout = 30000)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(32)]
    public async Task ExecuteAsync_ManyTargets_NeverMoreThanMaxConcurrencyInFlight(int parallel)
    {
        var inFlight = new InFlight();
        var transport = new FakeTransport();
        IOperation op = Fleet.Op(async (target, ctx, ct) =>
        {
            inFlight.Enter();
            try
            {
                await ctx.GetSessionAsync(ct); // session opening happens inside the slot
                for (int i = 0; i < 3; i++)
                {
                    await Task.Yield();
                }

                return OperationResult.Succeeded();
            }
            finally
            {
                inFlight.Exit();
            }
        });

        BatchResult result = await Fleet.Executor(new ExecutionOptions { MaxConcurrency = parallel }, transport: transport)
            .ExecuteAsync(op, Fleet.Targets(300), cancellationToken: Fleet.TestTimeout());

        Assert.Equal(300, result.Count(TargetState.Succeeded));
        Assert.InRange(inFlight.Peak, 1, parallel);
        Assert.InRange(transport.PeakConcurrentOpens, 1, parallel);
        Assert.InRange(transport.Peak, 1, parallel);
        Assert.Equal(0, transport.Open);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_Results_AreInSelectionOrder()
    {
        BatchResult result = await Fleet.Executor(new ExecutionOptions { MaxConcurrency = 8 })
            .ExecuteAsync(Fleet.Ok(), Fleet.Targets(100), runId: "r1", cancellationToken: Fleet.TestTimeout());

        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"t{i}"), result.Outcomes.Select(o => o.Target));
        Assert.Equal("r1", result.RunId);
        Assert.True(result.AllSucceeded);
        Assert.Equal(1.0, result.SuccessRate);
        Assert.All(result.Outcomes, o => Assert.Equal(1, o.Attempts));
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_NoTargets_ReturnsEmptyResult()
    {
        BatchResult result = await Fleet.Executor(new ExecutionOptions()).ExecuteAsync(Fleet.Ok(), [], cancellationToken: Fleet.TestTimeout());

        Assert.Equal(0, result.Total);
        Assert.True(result.AllSucceeded);
        Assert.Null(result.CombinedError);
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsWithEveryProblem()
    {
        var ex = Assert.Throws<ArgumentException>(() => Fleet.Executor(new ExecutionOptions { MaxConcurrency = 0, Retries = -1 }));

        Assert.Contains("parallel must be at least 1", ex.Message);
        Assert.Contains("retries must not be negative", ex.Message);
    }
}
