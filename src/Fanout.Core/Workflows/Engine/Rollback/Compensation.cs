using Fanout.Workflows.Model;

namespace Fanout.Workflows.Engine;

/// <summary>
/// Rollback (SPEC W12): remembers the order in which steps completed (restored on resume), runs the
/// <c>rollback:</c> of completed steps in reverse order of completion — for a failed atomic group, or for the whole
/// run — each once, then the workflow's rollback steps when the policy and its conditions allow.
/// </summary>
internal sealed class Compensation
{
    private readonly WorkflowDefinition _workflow;
    private readonly string _runId;
    private readonly WorkflowPublisher _publisher;
    private readonly RunReporter _reporter;
    private readonly TimeProvider _time;
    private readonly Func<IReadOnlyList<WorkflowStep>, string, CancellationToken, Task> _runSteps;
    private readonly List<(RuntimeStep Step, int Order)> _completed = [];
    private readonly HashSet<RuntimeStep> _compensated = [];
    private int _completion;

    /// <summary>Creates the rollback of one run; <paramref name="runSteps"/> runs compensation and rollback steps under a path prefix (as hooks).</summary>
    public Compensation(WorkflowDefinition workflow, string runId, WorkflowPublisher publisher, RunReporter reporter, TimeProvider time, Func<IReadOnlyList<WorkflowStep>, string, CancellationToken, Task> runSteps)
    {
        _workflow = workflow;
        _runId = runId;
        _publisher = publisher;
        _reporter = reporter;
        _time = time;
        _runSteps = runSteps;
    }

    /// <summary>The number of the last completion so far (steps completing later have higher numbers).</summary>
    public int Mark
    {
        get
        {
            lock (_completed)
            {
                return _completion;
            }
        }
    }

    /// <summary>Records that <paramref name="step"/> completed now.</summary>
    public void Completed(RuntimeStep step)
    {
        lock (_completed)
        {
            _completed.Add((step, ++_completion));
        }
    }

    /// <summary>Records that <paramref name="step"/> completed in an earlier run of this run, as number <paramref name="order"/>.</summary>
    public void Restored(RuntimeStep step, int order)
    {
        lock (_completed)
        {
            _completed.Add((step, order));
            _completion = Math.Max(_completion, order);
        }
    }

    /// <summary>The completion number of <paramref name="step"/>, or null when it did not complete.</summary>
    public int? OrderOf(RuntimeStep step)
    {
        lock (_completed)
        {
            int? order = null;
            foreach ((RuntimeStep s, int n) in _completed)
            {
                if (s == step)
                {
                    order = n;
                }
            }

            return order;
        }
    }

    /// <summary>
    /// Runs the workflow rollback when the policy and its conditions (matched against <paramref name="failed"/>, the
    /// leaf steps whose failure was not handled, and <paramref name="failure"/>) allow; true when it ran.
    /// </summary>
    public async Task<bool> RollbackAsync(IReadOnlyList<RuntimeStep> failed, string? failure, CancellationToken ct)
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

        string? why = Reason(policy, failed, failure);
        if (why is null)
        {
            await _reporter.AnnotateAsync("rollback", "info", $"rollback not run: no failure matches its conditions ({string.Join(", ", policy.Conditions)})", ct).ConfigureAwait(false);
            return false;
        }

        if (!policy.Automatic)
        {
            await _reporter.AnnotateAsync("rollback", "warning", $"rollback is not automatic; it was not run ({why})", ct).ConfigureAwait(false);
            return false;
        }

        _publisher.Publish(new Events.RollbackStarted { RunId = _runId, Timestamp = _time.GetUtcNow(), Reason = _reporter.Mask(why) });
        await _reporter.AnnotateAsync("rollback", "warning", "rolling back: " + why, ct).ConfigureAwait(false);
        await CompensateAsync(_ => true, ct).ConfigureAwait(false);
        await _runSteps(policy.Steps, "rollback", ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>Runs the <c>rollback:</c> of completed steps chosen by <paramref name="which"/>, newest completion first, each once.</summary>
    public async Task CompensateAsync(Func<(RuntimeStep Step, int Order), bool> which, CancellationToken ct)
    {
        List<(RuntimeStep Step, int Order)> chosen;
        lock (_completed)
        {
            chosen = [.. _completed.Where(c => which(c) && c.Step.Step.Rollback.Count > 0 && _compensated.Add(c.Step)).OrderByDescending(c => c.Order)];
        }

        foreach ((RuntimeStep step, int _) in chosen)
        {
            await _runSteps(step.Step.Rollback, step.Path + "/rollback", ct).ConfigureAwait(false);
        }
    }

    private static string? Reason(RollbackPolicy policy, IReadOnlyList<RuntimeStep> failed, string? failure)
    {
        foreach (string condition in policy.Conditions)
        {
            switch (condition)
            {
                case "deployment_timeout" when failed.FirstOrDefault(s => s.State == StepState.TimedOut) is { } t:
                    return $"deployment_timeout (step '{t.Path}' timed out)";
                case "health_check_failed" when failed.FirstOrDefault(s => s.Step.Name.Contains("health", StringComparison.OrdinalIgnoreCase)) is { } h:
                    return $"health_check_failed (step '{h.Path}' {h.State.ToWireName()})";
                case "any":
                    return failed.Count > 0 ? $"any (step '{failed[0].Path}' {failed[0].State.ToWireName()})" : $"any ({failure ?? "the run failed"})";
            }
        }

        return null;
    }
}
