using Fanout.Expressions;
using Fanout.Workflows.Model;

namespace Fanout.Workflows.Engine;

/// <summary>Hooks (SPEC W12): on_success/on_failure/on_retry steps, fallback steps and a breaker's degradations.</summary>
internal sealed partial class WorkflowExecution
{
    private async Task RunHooksAsync(IReadOnlyList<WorkflowStep> hooks, string prefix, CancellationToken ct)
    {
        foreach (WorkflowStep hook in hooks)
        {
            var node = RuntimeStep.Build(hook, prefix + "/" + hook.Name, null, "hook");
            if (hook.IsGroup)
            {
                await RunGroupAsync(node, ct).ConfigureAwait(false);
            }
            else
            {
                await RunLeafAsync(node, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs a failed or short-circuited step's fallback steps and its breaker's degradations; true when fallback steps ran and all succeeded.</summary>
    private async Task<bool> FallbackAsync(RuntimeStep node, CircuitBreakerGate? gate, CancellationToken ct)
    {
        bool recovered = false;
        if (node.Step.FallbackSteps.Count > 0)
        {
            int before;
            lock (_results)
            {
                before = _results.Count;
            }

            await RunHooksAsync(node.Step.FallbackSteps, node.Path + "/fallback", ct).ConfigureAwait(false);
            lock (_results)
            {
                recovered = _results.Skip(before).Where(r => r.Path.StartsWith(node.Path + "/fallback/", StringComparison.Ordinal)).All(r => r.State is StepState.Succeeded or StepState.Skipped);
            }
        }

        if (gate is not null)
        {
            foreach (string degradation in gate.Definition.Fallback)
            {
                lock (_degradations)
                {
                    _degradations.Add(degradation);
                }

                await _reporter.AnnotateAsync("degradation", "warning", $"circuit breaker '{gate.Name}' ({node.Path}): degraded to '{degradation}'", ct).ConfigureAwait(false);
                if (FindStep(degradation) is { } step && step != node.Step)
                {
                    await RunHooksAsync([step with { Name = step.Name }], node.Path + "/degradation", ct).ConfigureAwait(false);
                }
                else if (Transports.Local.ExecutableLookup.Find(degradation) is not null)
                {
                    await RunHooksAsync([new WorkflowStep { Name = degradation, Command = new TemplateText(degradation, TemplateOrigin.None) }], node.Path + "/degradation", ct).ConfigureAwait(false);
                }
            }
        }

        return recovered;
    }

    private WorkflowStep? FindStep(string name)
    {
        static string Norm(string s) => s.Replace('_', '-');
        IEnumerable<WorkflowStep> All(IEnumerable<WorkflowStep> steps) => steps.SelectMany(s => All(s.Steps).Concat(All(s.FallbackSteps)).Prepend(s));
        return All(_workflow.Steps).FirstOrDefault(s => Norm(s.Name) == Norm(name));
    }
}
