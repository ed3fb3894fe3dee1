using Fanout.Core.Tests.Support;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Transports;
using Fanout.Transports.Local;

namespace Fanout.Core.Tests.Execution;

/// <summary>
/// Heap retained by a run's result, measured as the process's managed heap before and after (<see cref="GC.GetTotalMemory"/>):
/// a process-wide figure, so these tests run alone (<see cref="MemoryCollection"/>) — other tests allocating in parallel
/// counted against the budget on a loaded CI machine (15 MiB "retained" for a 4 MiB budget).
/// </summary>
[Collection(MemoryCollection.Name)]
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

    [Fact(Timeout = 120000)]
    public async Task ExecuteAsync_HundredsOfLargeOutputs_RetainedMemoryStaysUnderTheBudget()
    {
        // 300 targets × 256 KiB each = 75 MiB of output against a 4 MiB budget.
        const long budget = 4L * 1024 * 1024;
        string spill = Directory.CreateTempSubdirectory("fanout-spill-").FullName;
        var options = new ExecutionOptions { MaxConcurrency = 16, OutputBudget = budget, SpillDirectory = spill };
        var op = new CommandOperation(CommandSpec.Sh("head -c 262144 /dev/zero | tr '\\0' x"));
        List<Target> targets = Enumerable.Range(1, 300).Select(i => new Target { Name = $"m{i:000}", Transport = TransportNames.Local }).ToList();
        var executor = new BatchExecutor(options, new TransportRegistry().Register(new LocalTransport(new LocalTransportOptions { TerminationGracePeriod = TimeSpan.FromMilliseconds(200) })));
        long before = GC.GetTotalMemory(forceFullCollection: true);

        BatchResult result = await executor.ExecuteAsync(op, targets);
        long after = GC.GetTotalMemory(forceFullCollection: true);

        Assert.True(result.AllSucceeded, string.Join("; ", result.Outcomes.Select(o => o.Error).Where(e => e is not null)));
        long retained = result.Outcomes.Sum(o => o.Stdout.RetainedBytes + o.Stderr.RetainedBytes);
        Assert.InRange(retained, 1, budget);
        Assert.All(result.Outcomes, o => Assert.Equal(262144, o.Stdout.TotalBytes));
        Assert.All(result.Outcomes, o => Assert.Equal(262144, new FileInfo(o.Stdout.SpillPath!).Length));

        // The managed heap kept for the result is the budget plus small per-target bookkeeping, not the 75 MiB printed.
        long heap = after - before;
        Assert.True(heap < budget + (8L * 1024 * 1024), $"retained heap {heap / 1024} KiB for a budget of {budget / 1024} KiB");
        GC.KeepAlive(result);
        Directory.Delete(spill, recursive: true);
    }
}

/// <summary>Tests that measure the process's heap: run after the parallel ones, one at a time, with nothing else running.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryCollection
{
    public const string Name = "Memory (runs alone)";
}
