using Fanout.Workflows.Engine;
using Fanout.Workflows.Model;
using Fanout.Workflows.Validation;

namespace Fanout.Core.Tests.Workflows.Engine;

internal static class EngineHarness
{
    public static WorkflowDefinition Parse(string yaml)
    {
        var result = WorkflowValidator.ValidateText(yaml, "test.yaml");
        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
        return result.Workflow!;
    }

    public static Task<WorkflowRunResult> RunAsync(string yaml, IStepExecutor executor, WorkflowRunnerOptions? options = null, IReadOnlyDictionary<string, object?>? parameters = null, IReadOnlyCollection<string>? secrets = null, CancellationToken cancellationToken = default)
    {
        options ??= new WorkflowRunnerOptions();
        options.StepExecutor = executor;
        return new WorkflowRunner(options).RunAsync(new WorkflowRunRequest
        {
            Workflow = Parse(yaml),
            Parameters = parameters ?? new Dictionary<string, object?>(),
            SecretValues = secrets ?? [],
        }, cancellationToken);
    }

    public static StepResult Step(this WorkflowRunResult result, string path, StepState state)
    {
        StepResult? step = result.Step(path);
        Assert.True(step is not null, $"no step {path}; have {string.Join(", ", result.Steps.Select(s => s.Path))}");
        Assert.True(step!.State == state, $"{path}: expected {state}, got {step.State} ({step.Error ?? step.SkipReason})");
        return step;
    }
}
