using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Transports;

namespace Fanout.Benchmarks;

/// <summary>What the N1 benchmark and the retained-memory measurement share.</summary>
internal static class EngineFixture
{
    public const int Concurrency = 256;

    public static IOperation NoOp { get; } = new NoOpOperation();

    public static BatchExecutor CreateExecutor() => new(new ExecutionOptions { MaxConcurrency = Concurrency }, new TransportRegistry());

    public static List<Target> CreateTargets(int count)
        => [.. Enumerable.Range(0, count).Select(i => new Target { Name = $"host-{i:D6}" })];

    /// <summary>Completes synchronously with a cached result: only the engine is measured.</summary>
    private sealed class NoOpOperation : IOperation
    {
        private static readonly Task<OperationResult> Done = Task.FromResult(OperationResult.Succeeded());

        public string Name => "noop";

        public Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken) => Done;
    }
}
