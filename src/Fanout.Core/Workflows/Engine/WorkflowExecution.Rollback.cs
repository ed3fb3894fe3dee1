using Fanout.Workflows.Model;

namespace Fanout.Workflows.Engine;

/// <summary>Rollback (SPEC W12): per-step compensation in reverse order of completion, then the workflow's rollback steps.</summary>
internal sealed partial class WorkflowExecution
{
    private readonly HashSet<RuntimeStep> _compensated = [];

    /// <summary>Runs the workflow rollback when the policy and its conditions allow; true when it ran.</summary>
    private async Task<bool> RollbackAsync(CancellationToken ct)
    {
        RollbackPolicy policy = _workflow.Rollback ?? new RollbackPolicy();
        bool anyCompensation;
        lock (_completed)
        {
            anyCompensation = _completed.Any(c => c.Step.Step.Rollback.Count > 0 && !_compensated.Contains(c.Step));
        }

        if (!policy.Enabled || (_workflow.Rollback is null && !anyCompensation))
        {
            return false;
        }

        string? why = RollbackReason(policy);
        if (why is null)
        {
            await AnnotateAsync("rollback", "info", $"rollback not run: no failure matches its conditions ({string.Join(", ", policy.Conditions)})", ct).ConfigureAwait(false);
            return false;
        }

        if (!policy.Automatic)
        {
            await AnnotateAsync("rollback", "warning", $"rollback is not automatic; it was not run ({why})", ct).ConfigureAwait(false);
            return false;
        }

        _publisher.Publish(new Events.RollbackStarted { RunId = RunId, Timestamp = _time.GetUtcNow(), Reason = Mask(why) });
        await AnnotateAsync("rollback", "warning", "rolling back: " + why, ct).ConfigureAwait(false);
        await CompensateAsync(_ => true, why, ct).ConfigureAwait(false);
        await RunHooksAsync(policy.Steps, "rollback", ct).ConfigureAwait(false);
        return true;
    }

    private string? RollbackReason(RollbackPolicy policy)
    {
        List<RuntimeStep> failed;
        lock (_results)
        {
            failed = [.. _roots.SelectMany(Flatten).Where(s => s.Children.Count == 0 && s.State is StepState.Failed or StepState.TimedOut or StepState.ShortCircuited or StepState.Cancelled && !s.FailureHandled)];
        }

        foreach (string condition in policy.Conditions)
        {
            switch (condition)
            {
                case "deployment_timeout" when failed.FirstOrDefault(s => s.State == StepState.TimedOut) is { } t:
                    return $"deployment_timeout (step '{t.Path}' timed out)";
                case "health_check_failed" when failed.FirstOrDefault(s => s.Step.Name.Contains("health", StringComparison.OrdinalIgnoreCase)) is { } h:
                    return $"health_check_failed (step '{h.Path}' {h.State.ToWireName()})";
                case "any":
                    return failed.Count > 0 ? $"any (step '{failed[0].Path}' {failed[0].State.ToWireName()})" : $"any ({_failure ?? "the run failed"})";
            }
        }

        return null;
    }

    /// <summary>Runs the <c>rollback:</c> of completed steps chosen by <paramref name="which"/>, newest completion first, each once.</summary>
    private async Task CompensateAsync(Func<(RuntimeStep Step, int Order), bool> which, string reason, CancellationToken ct)
    {
        List<(RuntimeStep Step, int Order)> chosen;
        lock (_completed)
        {
            chosen = [.. _completed.Where(c => which(c) && c.Step.Step.Rollback.Count > 0 && _compensated.Add(c.Step)).OrderByDescending(c => c.Order)];
        }

        foreach ((RuntimeStep step, int _) in chosen)
        {
            await RunHooksAsync(step.Step.Rollback, step.Path + "/rollback", ct).ConfigureAwait(false);
        }

        _ = reason;
    }
}
