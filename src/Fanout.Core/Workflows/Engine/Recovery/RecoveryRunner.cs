using Fanout.Expressions;
using Fanout.Workflows.Model;

namespace Fanout.Workflows.Engine;

/// <summary>
/// Recovery (<c>recovery:</c>) of one run: when the run failed, each enabled strategy whose condition holds runs its actions in
/// order — after the failing step's own hooks (they ran when it failed), before the workflow rollback. Each firing is
/// recorded on the run (annotation <c>recovery</c>); an action defined nowhere is a named degradation.
/// </summary>
internal sealed class RecoveryRunner(WorkflowDefinition workflow, WorkflowRunnerOptions options, RunState run, StepContext context, RunReporter reporter, HookRunner hooks)
{
    public async Task RecoverAsync(IReadOnlyList<RuntimeStep> failed, CancellationToken ct)
    {
        if (workflow.Recovery is not { Enabled: true } recovery)
        {
            return;
        }

        foreach (RecoveryStrategy strategy in recovery.Strategies.Where(s => s.Enabled))
        {
            string? why = strategy.Conditions.Select(c => Holds(c.Name, failed)).FirstOrDefault(w => w is not null);
            if (why is null)
            {
                continue;
            }

            await reporter.AnnotateAsync("recovery", "warning", $"recovery strategy '{strategy.Name}' fired: {why}", ct).ConfigureAwait(false);
            var done = new List<string>();
            foreach (NamedReference action in strategy.Actions)
            {
                WorkflowStep? step = workflow.Actions.FirstOrDefault(a => a.Name == action.Name);
                if (step is null && options.Config?.Actions.TryGetValue(action.Name, out string? command) == true)
                {
                    step = new WorkflowStep { Name = action.Name, Command = new TemplateText(command, TemplateOrigin.None) };
                }

                if (step is null)
                {
                    run.Degrade(action.Name);

                    await reporter.AnnotateAsync("degradation", "warning", $"recovery strategy '{strategy.Name}': action '{action.Name}' is not defined; degraded to '{action.Name}'", ct).ConfigureAwait(false);
                    done.Add(action.Name + " undefined");
                    continue;
                }

                string path = $"recovery/{strategy.Name}";
                await hooks.RunAsync([step], path, ct).ConfigureAwait(false);
                StepResult? result = run.Results.LastOrDefault(r => r.Path == path + "/" + step.Name);

                done.Add($"{action.Name} {(result?.State == StepState.Succeeded ? "ok" : "failed")}");
            }

            run.Recovered($"{strategy.Name} ({why}): {string.Join(", ", done)}");
        }
    }

    // Why the condition holds for this failure, or null. Built-in failure classes first, then the workflow's named
    // conditions evaluated on the failure context (.steps, .outputs and .failed_step = each failed step in turn).
    private string? Holds(string condition, IReadOnlyList<RuntimeStep> failed)
    {
        switch (condition)
        {
            case "any":
                return failed.Count > 0 ? $"any (step '{failed[0].Path}' {failed[0].State.ToWireName()})" : $"any ({run.Failure ?? "the run failed"})";
            case "deployment_timeout":
                return failed.FirstOrDefault(s => s.State == StepState.TimedOut) is { } t ? $"deployment_timeout (step '{t.Path}' timed out)" : null;
            case "health_check_failed":
                return failed.FirstOrDefault(IsHealthStep) is { } h ? $"health_check_failed (step '{h.Path}' {h.State.ToWireName()})" : null;
        }

        if (workflow.Conditions.FirstOrDefault(c => c.Name == condition) is not { } named)
        {
            return null; // validate warned: it can never hold
        }

        IEnumerable<RuntimeStep?> candidates = failed.Count > 0 ? failed.Select(f => (RuntimeStep?)f) : new RuntimeStep?[] { null };
        foreach (RuntimeStep? step in candidates)
        {
            (bool? value, string? _) = context.EvaluateCondition(named.Expression, new Dictionary<string, object?> { ["failed_step"] = StepContext.FailedStep(step) });
            if (value == true)
            {
                return step is null ? condition : $"{condition} (step '{step.Path}' {step.State.ToWireName()})";
            }
        }

        return null;
    }

    /// <summary>A health step: its name contains <c>health</c> (as the rollback condition <c>health_check_failed</c> reads it).</summary>
    internal static bool IsHealthStep(RuntimeStep step) => step.Step.Name.Contains("health", StringComparison.OrdinalIgnoreCase);
}
