using Fanout.Workflows.Model;

namespace Fanout.Workflows.Engine;

/// <summary>Scheduling (SPEC W8, W9): admits ready steps of a list through the <see cref="DagScheduler"/> under limits and priorities; groups, conditions, abandoned steps.</summary>
internal sealed partial class WorkflowExecution
{
    private Task RunListAsync(IReadOnlyList<RuntimeStep> steps, bool concurrent, int limit, CancellationToken ct)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < steps.Count; i++)
        {
            index.TryAdd(steps[i].Step.Name, i);
        }

        var nodes = steps.Select(s => new DagNode(
            [.. s.Step.DependsOn.Select(d => index.GetValueOrDefault(d.Name, -1)).Where(i => i >= 0 && steps[i] != s).Distinct()],
            s.Step.Priority,
            Leaf: !s.Step.IsGroup,
            s.Step.Resources?.Cpu ?? 0,
            s.Step.Resources?.MemoryBytes ?? 0)).ToList();
        return DagScheduler.RunAsync(
            nodes,
            limit,
            byPriority: concurrent,
            _pool,
            i => RunNodeAsync(steps[i], ct),
            (i, dependency) => Abandon(steps[i], dependency is { } d ? steps[d] : null),
            () => _stop || ct.IsCancellationRequested);
    }

    private async Task<DagOutcome> RunNodeAsync(RuntimeStep step, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (step.Step.IsGroup)
        {
            await RunGroupAsync(step, ct).ConfigureAwait(false);
        }
        else
        {
            await RunLeafAsync(step, ct).ConfigureAwait(false);
        }

        if (!step.Satisfied && step.Kind == "main" && _strategy != ErrorStrategy.ContinueOnError && step.State is not StepState.Cancelled)
        {
            _failure ??= $"step '{step.Path}' {step.State.ToWireName()}{(step.Result?.Error is { } e ? ": " + e : string.Empty)}";
            _stop = true; // fail_fast: nothing new starts anywhere in the run
        }

        return step.Satisfied ? DagOutcome.Satisfied : DagOutcome.Blocked;
    }

    private void Abandon(RuntimeStep step, RuntimeStep? dependency)
    {
        if (step.State.IsFinal())
        {
            return;
        }

        // Skipped only when the run goes on without it (continue_on_error, a failed dependency); a step left behind because
        // the run stopped — fail-fast, Ctrl-C, the overall timeout, a dependency that was itself stopped — is not-run (StepCounts).
        bool stopped = dependency is null || _stop || dependency.State is StepState.Cancelled or StepState.NotRun;
        string reason = stopped
            ? $"not started: the run stopped ({_failure ?? "cancelled"})"
            : $"dependency '{dependency!.Step.Name}' {dependency.State.ToWireName()}";
        StepState state = stopped ? StepState.NotRun : StepState.Skipped;
        foreach (RuntimeStep s in Flatten(step).Reverse())
        {
            if (!s.State.IsFinal() && Resume.Done(s.Path) is { } record && s.Children.Count == 0)
            {
                Restore(s, record); // done in the earlier run: keep it done
            }
            else if (!s.State.IsFinal())
            {
                // The scheduler's callback is synchronous; the write is awaited before the run finishes.
                Task writing = Complete(s, state, new StepResult { Path = s.Path, State = state, SkipReason = reason }, CancellationToken.None);
                lock (_background)
                {
                    _background.Add(writing);
                }
            }
        }
    }

    private async Task RunGroupAsync(RuntimeStep group, CancellationToken ct)
    {
        WorkflowStep step = group.Step;
        DateTimeOffset started = _time.GetUtcNow();
        long start = _time.GetTimestamp();
        if (await SkipByConditionAsync(group, ct).ConfigureAwait(false))
        {
            return;
        }

        await MarkRunningAsync(group, started, ct).ConfigureAwait(false);
        bool concurrent = step.Parallel || step.ParallelLimit is not null;
        int mark = _compensation.Mark;

        await RunListAsync(group.Children, concurrent, concurrent ? step.ParallelLimit ?? int.MaxValue : 1, ct).ConfigureAwait(false);
        bool ok = group.Children.All(c => c.Satisfied);
        StepState state = ok ? StepState.Succeeded
            : group.Children.Any(c => c.State == StepState.Cancelled) ? StepState.Cancelled
            : group.Children.All(c => c.Satisfied || c.State is StepState.NotRun) ? StepState.NotRun : StepState.Failed;
        string? error = ok ? null : string.Join("; ", group.Children.Where(c => !c.Satisfied && c.State != StepState.NotRun).Select(c => $"{c.Step.Name} {c.State.ToWireName()}"));
        if (!ok && step.Atomic)
        {
            // atomic / rollback_on_failure: undo the children that completed, newest first.
            await _compensation.CompensateAsync(c => c.Order > mark && IsWithin(c.Step, group), CancellationToken.None).ConfigureAwait(false);
        }

        group.FailureHandled = !ok && step.ContinueOnError == true;
        await Complete(group, state, new StepResult
        {
            Path = group.Path,
            State = state,
            Error = error,
            StartedAt = started,
            Duration = _time.GetElapsedTime(start),
            FailureHandled = group.FailureHandled,
        }, ct).ConfigureAwait(false);
    }

    private static bool IsWithin(RuntimeStep step, RuntimeStep group)
    {
        for (RuntimeStep? p = step.Parent; p is not null; p = p.Parent)
        {
            if (p == group)
            {
                return true;
            }
        }

        return false;
    }

    private async Task<bool> SkipByConditionAsync(RuntimeStep node, CancellationToken ct)
    {
        if (node.Step.When is not { } when)
        {
            return false;
        }

        (bool? value, string? error) = _context.EvaluateCondition(when);
        if (value == true)
        {
            return false;
        }

        StepState state = error is null ? StepState.Skipped : StepState.Failed;
        string message = error is null ? $"when '{when.Text.Trim()}' is false" : $"when: {error}";
        foreach (RuntimeStep s in Flatten(node).Reverse())
        {
            await Complete(s, s == node ? state : StepState.Skipped, new StepResult
            {
                Path = s.Path,
                State = s == node ? state : StepState.Skipped,
                SkipReason = error is null || s != node ? message : null,
                Error = s == node ? error : null,
            }, ct).ConfigureAwait(false);
        }

        return true;
    }
}
