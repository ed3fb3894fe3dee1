using Fanout.Expressions;
using Fanout.Workflows.Model;

namespace Fanout.Workflows.Engine;

/// <summary>
/// Hooks (SPEC W12) of one run: on_success/on_failure/on_retry steps, fallback steps and a circuit breaker's degradations. A hook
/// runs as a step of the run through <paramref name="runStep"/> (the scheduler's: a group or a leaf).
/// </summary>
internal sealed class HookRunner(WorkflowDefinition workflow, RunState run, RunReporter reporter, Func<RuntimeStep, CancellationToken, Task> runStep)
{
    /// <summary>Runs <paramref name="hooks"/> in order, each under <paramref name="prefix"/> (a group as a group, a leaf as a step).</summary>
    public async Task RunAsync(IReadOnlyList<WorkflowStep> hooks, string prefix, CancellationToken ct)
    {
        foreach (WorkflowStep hook in hooks)
        {
            await runStep(RuntimeStep.Build(hook, prefix + "/" + hook.Name, null, "hook"), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a failed or short-circuited step's fallback steps and its breaker's degradations; true when fallback steps ran and all succeeded.</summary>
    public async Task<bool> FallbackAsync(RuntimeStep node, CircuitBreakerGate? gate, CancellationToken ct)
    {
        bool recovered = false;
        if (node.Step.FallbackSteps.Count > 0)
        {
            int before = run.ResultCount;
            await RunAsync(node.Step.FallbackSteps, node.Path + "/fallback", ct).ConfigureAwait(false);
            recovered = run.ResultsSince(before).Where(r => r.Path.StartsWith(node.Path + "/fallback/", StringComparison.Ordinal)).All(r => r.State is StepState.Succeeded or StepState.Skipped);
        }

        if (gate is not null)
        {
            foreach (string degradation in gate.Definition.Fallback)
            {
                run.Degrade(degradation);

                await reporter.AnnotateAsync("degradation", "warning", $"circuit breaker '{gate.Name}' ({node.Path}): degraded to '{degradation}'", ct).ConfigureAwait(false);
                if (FindStep(degradation) is { } step && step != node.Step)
                {
                    await RunAsync([step with { Name = step.Name }], node.Path + "/degradation", ct).ConfigureAwait(false);
                }
                else if (Transports.Local.ExecutableLookup.Find(degradation) is not null)
                {
                    await RunAsync([new WorkflowStep { Name = degradation, Command = new TemplateText(degradation, TemplateOrigin.None) }], node.Path + "/degradation", ct).ConfigureAwait(false);
                }
            }
        }

        return recovered;
    }

    private WorkflowStep? FindStep(string name)
    {
        static string Norm(string s) => s.Replace('_', '-');
        IEnumerable<WorkflowStep> All(IEnumerable<WorkflowStep> steps) => steps.SelectMany(s => All(s.Steps).Concat(All(s.FallbackSteps)).Prepend(s));
        return All(workflow.Steps).FirstOrDefault(s => Norm(s.Name) == Norm(name));
    }
}
