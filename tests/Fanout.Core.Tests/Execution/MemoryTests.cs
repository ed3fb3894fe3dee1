using Fanout.Core.Tests.Support;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;

namespace Fanout.Core.Tests.Execution;

public sealed class MemoryTests
{
    [Fact(Timeout = 60000)]
    public async Task ExecuteAsync_TenThousandTargets_RetainsBoundedMemoryPerTarget()
    {
        const int count = 10_000;
        List<Target> targets = Fleet.Targets(count);
        IOperation op = Fleet.Ok();
        BatchExecutor executor = Fleet.Executor(new ExecutionOptions { MaxConcurrency = 64 });
        await executor.ExecuteAsync(op, Fleet.Targets(10)); // warm up code paths and statics
        long before = GC.GetTotalMemory(forceFullCollection: true);

        BatchResult result = await executor.ExecuteAsync(op, targets, cancellationToken: Fleet.TestTimeout(50));
        long after = GC.GetTotalMemory(forceFullCollection: true);

        Assert.Equal(count, result.Count(TargetState.Succeeded));
        double perTarget = (after - before) / (double)count;
        Assert.True(perTarget < 1024, $"retained {perTarget:0} bytes per target");
        GC.KeepAlive(result);
    }
}
