using BenchmarkDotNet.Attributes;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Transports;

namespace Fanout.Benchmarks;

/// <summary>
/// SPEC N1: the executor's own cost — a no-op operation over 100,000 targets at parallel 256
/// with default options (per-target timeout armed, no retries, no tracker).
/// Targets/s = 100,000 / Mean; allocated bytes per target = Allocated / 100,000.
/// </summary>
[MemoryDiagnoser]
public class EngineOverheadBenchmark
{
    /// <summary>The number of targets in one run.</summary>
    public const int TargetCount = 100_000;

    private BatchExecutor _executor = null!;
    private List<Target> _targets = null!;
    private IOperation _noop = null!;

    /// <summary>Whether a progress tracker listens (events are then produced and numbered).</summary>
    [Params(false, true)]
    public bool Tracked { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _executor = EngineFixture.CreateExecutor();
        _targets = EngineFixture.CreateTargets(TargetCount);
        _noop = EngineFixture.NoOp;
    }

    [Benchmark(OperationsPerInvoke = TargetCount)]
    public Task<BatchResult> NoOpOverTargets()
        => _executor.ExecuteAsync(_noop, _targets, Tracked ? new Fanout.Events.ProgressTracker() : null);
}
