using BenchmarkDotNet.Attributes;
using Fanout.Expressions;
using Fanout.Workflows.Engine;
using Fanout.Workflows.Model;

namespace Fanout.Benchmarks;

/// <summary>
/// SPEC N4: the workflow scheduler's overhead for a 1,000-step DAG of no-op steps. Steps run through an in-memory
/// executor that completes at once, so only the runner is measured: readiness, priorities, resource admission,
/// conditions/rendering, state changes and results (no store, no processes).
/// </summary>
[MemoryDiagnoser]
public class WorkflowSchedulingBenchmark
{
    /// <summary>Steps in the workflow.</summary>
    public const int StepCount = 1_000;

    private WorkflowRunner _runner = null!;
    private WorkflowDefinition _workflow = null!;

    /// <summary>The DAG's shape: ten layers of 100 steps, each depending on two steps of the layer before (<c>layered</c>), or a chain (<c>chain</c>).</summary>
    [Params("layered", "chain")]
    public string Shape { get; set; } = "layered";

    [GlobalSetup]
    public void Setup()
    {
        _runner = new WorkflowRunner(new WorkflowRunnerOptions { StepExecutor = new NoOpStepExecutor() });
        _workflow = Create(Shape);
    }

    [Benchmark]
    public Task<WorkflowRunResult> ThousandStepDag() => _runner.RunAsync(new WorkflowRunRequest { Workflow = _workflow }, CancellationToken.None);

    internal static WorkflowDefinition Create(string shape)
    {
        var steps = new List<WorkflowStep>(StepCount);
        for (int i = 0; i < StepCount; i++)
        {
            IReadOnlyList<NamedReference> deps = shape == "chain"
                ? i == 0 ? [] : [new NamedReference("s" + (i - 1), default)]
                : i < 100 ? [] : [new NamedReference("s" + (i - 100), default), new NamedReference("s" + ((((i / 100) - 1) * 100) + ((i * 7) % 100)), default)];
            steps.Add(new WorkflowStep
            {
                Name = "s" + i,
                Command = new TemplateText("true", TemplateOrigin.None),
                DependsOn = [.. deps.DistinctBy(d => d.Name)],
                Priority = i % 5,
                Resources = new ResourceRequirements { Cpu = 0.1 },
            });
        }

        return new WorkflowDefinition
        {
            Name = "n4",
            ResourceLimits = new ResourceLimits { MaxParallel = 64, CpuLimit = 4 },
            Steps = [new WorkflowStep { Name = "dag", IsGroup = true, Parallel = true, Steps = steps }],
        };
    }

    private sealed class NoOpStepExecutor : IStepExecutor
    {
        private static readonly Task<StepExecution> Done = Task.FromResult(new StepExecution { State = StepState.Succeeded, ExitCode = 0 });

        public Task<StepExecution> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken) => Done;
    }
}
