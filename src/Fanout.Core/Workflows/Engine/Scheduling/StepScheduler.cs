using Fanout.Workflows.Model;

namespace Fanout.Workflows.Engine;

/// <summary>
/// Scheduling (SPEC W8, W9) of one run: admits the ready steps of a list through the <see cref="DagScheduler"/> under limits and
/// priorities; groups (parallel or not, atomic), conditions, steps abandoned when a dependency failed or the run stopped. Leaf steps
/// are the <see cref="StepRunner"/>'s.
/// </summary>
internal sealed class StepScheduler(RunState run, ResourcePool pool, ErrorStrategy strategy, StepTransitions transitions, Compensation compensation,
    StepRunner stepRunner, ResumeState resume, TimeProvider time)
{
    /// <summary>Runs a list of sibling steps: ready steps are admitted under <paramref name="limit"/>, the pool and (when concurrent) priority.</summary>
    public Task RunListAsync(IReadOnlyList<RuntimeStep> steps, bool concurrent, int limit, CancellationToken ct)
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
            pool,
            i => RunNodeAsync(steps[i], ct),
            (i, dependency) => Abandon(steps[i], dependency is { } d ? steps[d] : null),
            () => run.Stopped || ct.IsCancellationRequested);
    }

    /// <summary>Runs one step: a group through its list, a leaf through the step runner.</summary>
    public Task RunStepAsync(RuntimeStep step, CancellationToken ct) => step.Step.IsGroup ? RunGroupAsync(step, ct) : stepRunner.RunLeafAsync(step, ct);

    private async Task<DagOutcome> RunNodeAsync(RuntimeStep step, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        await RunStepAsync(step, ct).ConfigureAwait(false);

        if (!step.Satisfied && step.Kind == "main" && strategy != ErrorStrategy.ContinueOnError && step.State is not StepState.Cancelled)
        {
            run.Fail($"step '{step.Path}' {step.State.ToWireName()}{(step.Result?.Error is { } e ? ": " + e : string.Empty)}");
            run.Stop(); // fail_fast: nothing new starts anywhere in the run
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
        bool stopped = dependency is null || run.Stopped || dependency.State is StepState.Cancelled or StepState.NotRun;
        string reason = stopped
            ? $"not started: the run stopped ({run.Failure ?? "cancelled"})"
            : $"dependency '{dependency!.Step.Name}' {dependency.State.ToWireName()}";
        StepState state = stopped ? StepState.NotRun : StepState.Skipped;
        foreach (RuntimeStep s in step.SelfAndDescendants().Reverse())
        {
            if (!s.State.IsFinal() && resume.Done(s.Path) is { } record && s.Children.Count == 0)
            {
                transitions.Restore(s, record); // done in the earlier run: keep it done
            }
            else if (!s.State.IsFinal())
            {
                // The scheduler's callback is synchronous; the write is awaited before the run finishes.
                run.InBackground(transitions.CompleteAsync(s, state, new StepResult { Path = s.Path, State = state, SkipReason = reason }, CancellationToken.None));
            }
        }
    }

    private async Task RunGroupAsync(RuntimeStep group, CancellationToken ct)
    {
        WorkflowStep step = group.Step;
        DateTimeOffset started = time.GetUtcNow();
        long start = time.GetTimestamp();
        if (await transitions.SkipByConditionAsync(group, ct).ConfigureAwait(false))
        {
            return;
        }

        await transitions.MarkRunningAsync(group, started, ct).ConfigureAwait(false);
        bool concurrent = step.Parallel || step.ParallelLimit is not null;
        int mark = compensation.Mark;

        await RunListAsync(group.Children, concurrent, concurrent ? step.ParallelLimit ?? int.MaxValue : 1, ct).ConfigureAwait(false);
        bool ok = group.Children.All(c => c.Satisfied);
        StepState state = ok ? StepState.Succeeded
            : group.Children.Any(c => c.State == StepState.Cancelled) ? StepState.Cancelled
            : group.Children.All(c => c.Satisfied || c.State is StepState.NotRun) ? StepState.NotRun : StepState.Failed;
        string? error = ok ? null : string.Join("; ", group.Children.Where(c => !c.Satisfied && c.State != StepState.NotRun).Select(c => $"{c.Step.Name} {c.State.ToWireName()}"));
        if (!ok && step.Atomic)
        {
            // atomic / rollback_on_failure: undo the children that completed, newest first.
            await compensation.CompensateAsync(c => c.Order > mark && c.Step.IsWithin(group), CancellationToken.None).ConfigureAwait(false);
        }

        group.FailureHandled = !ok && step.ContinueOnError == true;
        await transitions.CompleteAsync(group, state, new StepResult
        {
            Path = group.Path,
            State = state,
            Error = error,
            StartedAt = started,
            Duration = time.GetElapsedTime(start),
            FailureHandled = group.FailureHandled,
        }, ct).ConfigureAwait(false);
    }
}
