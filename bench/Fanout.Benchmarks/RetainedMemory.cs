using System.Diagnostics;
using Fanout.Execution;
using Fanout.Inventory;

namespace Fanout.Benchmarks;

/// <summary>
/// <c>--retained</c>: measures what a finished N1 run keeps alive per target (the result with its
/// outcomes), and a plain stopwatch throughput, outside BenchmarkDotNet.
/// </summary>
internal static class RetainedMemory
{
    public static async Task<int> RunAsync()
    {
        BatchExecutor executor = EngineFixture.CreateExecutor();
        List<Target> targets = EngineFixture.CreateTargets(EngineOverheadBenchmark.TargetCount);
        await WarmUpAsync(executor, targets);

        // The warm-up's continuations ran inline on the stack of its last worker; leave that stack
        // so its frames (which still see the previous run) do not count as retained.
        await Task.Yield();

        long before = GC.GetTotalMemory(forceFullCollection: true);
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        BatchResult result = await executor.ExecuteAsync(EngineFixture.NoOp, targets);
        watch.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        long after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(result);

        double n = targets.Count;
        Console.WriteLine($"heap before/after:  {before:N0} / {after:N0}");
        Console.WriteLine($"targets:            {targets.Count:N0} (parallel {EngineFixture.Concurrency}, {Environment.ProcessorCount} cores)");
        Console.WriteLine($"succeeded:          {result.Count(TargetState.Succeeded):N0}");
        Console.WriteLine($"wall time:          {watch.Elapsed.TotalMilliseconds:0.0} ms");
        Console.WriteLine($"targets/s:          {n / watch.Elapsed.TotalSeconds:N0}");
        Console.WriteLine($"allocated/target:   {allocated / n:0} B");
        Console.WriteLine($"retained/target:    {(after - before) / n:0} B");
        return 0;
    }

    /// <summary>A separate method so no warm-up result stays referenced by the measuring frame.</summary>
    private static async Task WarmUpAsync(BatchExecutor executor, List<Target> targets)
    {
        for (int i = 0; i < 5; i++)
        {
            await executor.ExecuteAsync(EngineFixture.NoOp, targets); // tiered JIT
        }
    }
}
