using Fanout.Execution;
using Fanout.Events;
using Fanout.Runs;
using Fanout.Inventory;
using Fanout.Selection;
using Fanout.Workflows.Model;

namespace Fanout.Workflows.Engine;

/// <summary>Groups, leaf steps and their attempts.</summary>
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

        string reason = dependency is null
            ? $"not started: the run stopped ({_failure ?? "cancelled"})"
            : $"dependency '{dependency.Step.Name}' {dependency.State.ToWireName()}";
        StepState state = dependency is null ? StepState.NotRun : StepState.Skipped;
        foreach (RuntimeStep s in Flatten(step).Reverse())
        {
            if (!s.State.IsFinal() && _restored.TryGetValue(s.Path, out WorkflowStepRecord? record) && StepStateExtensions.ParseWireName(record.State).IsDone() && s.Children.Count == 0)
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
        int mark;
        lock (_completed)
        {
            mark = _completion;
        }

        await RunListAsync(group.Children, concurrent, concurrent ? step.ParallelLimit ?? int.MaxValue : 1, ct).ConfigureAwait(false);
        bool ok = group.Children.All(c => c.Satisfied);
        StepState state = ok ? StepState.Succeeded
            : group.Children.Any(c => c.State == StepState.Cancelled) ? StepState.Cancelled
            : group.Children.All(c => c.Satisfied || c.State is StepState.NotRun) ? StepState.NotRun : StepState.Failed;
        string? error = ok ? null : string.Join("; ", group.Children.Where(c => !c.Satisfied && c.State != StepState.NotRun).Select(c => $"{c.Step.Name} {c.State.ToWireName()}"));
        if (!ok && step.Atomic)
        {
            // atomic / rollback_on_failure: undo the children that completed, newest first.
            await CompensateAsync(c => c.Order > mark && IsWithin(c.Step, group), $"group '{group.Path}' failed", CancellationToken.None).ConfigureAwait(false);
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

        (bool? value, string? error) = EvaluateCondition(when);
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

    private async Task RunLeafAsync(RuntimeStep node, CancellationToken ct)
    {
        WorkflowStep step = node.Step;
        if (node.Kind == "main" && _restored.TryGetValue(node.Path, out WorkflowStepRecord? record) && StepStateExtensions.ParseWireName(record.State).IsDone())
        {
            Restore(node, record);
            return;
        }

        if (node.Kind == "main" && _refused.Contains(node.Path))
        {
            await Complete(node, StepState.Failed, new StepResult
            {
                Path = node.Path,
                State = StepState.Failed,
                Error = "it was running when the run stopped and is not marked idempotent; confirm running it again (--yes)",
            }, ct).ConfigureAwait(false);
            return;
        }

        if (await SkipByConditionAsync(node, ct).ConfigureAwait(false))
        {
            return;
        }

        DateTimeOffset started = _time.GetUtcNow();
        long start = _time.GetTimestamp();
        CircuitBreakerGate? gate = step.CircuitBreaker is { } cb ? await GetBreakerAsync(cb.Name, ct).ConfigureAwait(false) : null;
        if (gate is not null && !await gate.TryEnterAsync(ct).ConfigureAwait(false))
        {
            var shortCircuited = new StepResult { Path = node.Path, State = StepState.ShortCircuited, SkipReason = $"circuit breaker '{gate.Name}' is open", StartedAt = started };
            node.FailureHandled = step.ContinueOnError == true;
            await Complete(node, StepState.ShortCircuited, shortCircuited, ct).ConfigureAwait(false);
            bool recovered = await FallbackAsync(node, gate, ct).ConfigureAwait(false);
            node.FailureHandled |= recovered;
            return;
        }

        if (step.ManualApproval)
        {
            (bool approved, string detail) = await ApproveAsync(node, ct).ConfigureAwait(false);
            if (!approved)
            {
                await Complete(node, StepState.Failed, new StepResult { Path = node.Path, State = StepState.Failed, Error = detail, StartedAt = started, Duration = _time.GetElapsedTime(start) }, ct).ConfigureAwait(false);
                await RunHooksAsync(step.OnFailure, node.Path + "/on_failure", ct).ConfigureAwait(false);
                node.FailureHandled = step.ContinueOnError == true;
                return;
            }

            if (step.Command is null && step.Script is null)
            {
                await Succeed(node, new StepResult { Path = node.Path, State = StepState.Succeeded, StartedAt = started, Duration = _time.GetElapsedTime(start), Output = detail }, ct).ConfigureAwait(false);
                return;
            }
        }

        await MarkRunningAsync(node, started, ct).ConfigureAwait(false);
        StepResult result = await RunAttemptsAsync(node, started, start, ct).ConfigureAwait(false);
        if (gate is not null && result.State is not StepState.Cancelled)
        {
            if (await gate.RecordAsync(result.State == StepState.Succeeded, ct).ConfigureAwait(false))
            {
                _publisher.Publish(new BreakerOpened { RunId = RunId, Timestamp = _time.GetUtcNow(), Name = gate.Name, Path = node.Path, Failures = gate.Failures });
            }
        }

        if (result.State == StepState.Succeeded)
        {
            await Succeed(node, result, ct).ConfigureAwait(false);
            await RunHooksAsync(step.OnSuccess, node.Path + "/on_success", ct).ConfigureAwait(false);
            return;
        }

        node.FailureHandled = step.ContinueOnError == true;
        await Complete(node, result.State, result with { FailureHandled = node.FailureHandled }, ct).ConfigureAwait(false);
        if (result.State == StepState.Cancelled)
        {
            ct.ThrowIfCancellationRequested();
        }

        await RunHooksAsync(step.OnFailure, node.Path + "/on_failure", ct).ConfigureAwait(false);
        if (step.FallbackSteps.Count > 0 || gate is not null)
        {
            node.FailureHandled |= await FallbackAsync(node, gate, ct).ConfigureAwait(false);
        }
    }

    private async Task<StepResult> RunAttemptsAsync(RuntimeStep node, DateTimeOffset started, long start, CancellationToken ct)
    {
        WorkflowStep step = node.Step;
        ErrorHandling? defaults = _workflow.ErrorHandling;
        int attempts = step.Retry?.Attempts ?? (_workflow.ErrorHandling?.Strategy == ErrorStrategy.Retry ? defaults!.MaxRetries + 1 : 1);
        attempts = Math.Max(1, attempts);
        bool main = node.Kind == "main";
        IReadOnlyList<Target>? targets = null;
        IReadOnlyList<Target>? all = null;
        var earlier = new List<TargetOutcome>();
        if (step.Targets is { } selection)
        {
            (targets, string? selectionError) = SelectTargets(selection);
            if (targets is null)
            {
                return new StepResult { Path = node.Path, State = StepState.Failed, Error = selectionError, StartedAt = started };
            }

            all = targets;
            if (main && CompletedUnits.Count > 0)
            {
                // Resume: targets that completed before the run stopped are not run again (as exec resume does).
                earlier.AddRange(targets.Where(t => CompletedUnits.ContainsKey(node.Path + "/" + t.Name)).Select(t => Earlier(t.Name, CompletedUnits[node.Path + "/" + t.Name])));
                var done = earlier.Select(o => o.Target).ToHashSet(StringComparer.Ordinal);
                targets = [.. targets.Where(t => !done.Contains(t.Name))];
            }
        }

        var perTarget = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (TargetOutcome o in earlier)
        {
            perTarget[o.Target] = o.Stdout.Text.Trim();
        }

        StepExecution? last = null;
        StepTargetEvents? events = null;
        int attempt = 0;
        try
        {
            while (attempt < attempts)
            {
                attempt++;
                if (attempt > 1)
                {
                    TimeSpan delay = step.Retry is { } r
                        ? RetryDelay.Compute(r.Delay, r.Backoff, attempt - 1, r.MaxDelay, r.Jitter, Random.Shared)
                        : defaults?.RetryDelay ?? TimeSpan.Zero;
                    _publisher.Publish(new StepStarted { RunId = RunId, Timestamp = _time.GetUtcNow(), Path = node.Path, Attempt = attempt, Targets = all?.Count ?? 0, Message = $"retry {attempt}/{attempts} in {Duration.Format(delay)}" });
                    await RunHooksAsync(step.OnRetry, node.Path + "/on_retry", ct).ConfigureAwait(false);
                    if (delay > TimeSpan.Zero)
                    {
                        await Task.Delay(delay, _time, ct).ConfigureAwait(false);
                    }
                }

                (StepInvocation? invocation, string? renderError) = Render(node, targets);
                if (invocation is null)
                {
                    return new StepResult { Path = node.Path, State = StepState.Failed, Attempts = attempt, Error = renderError, StartedAt = started, Duration = _time.GetElapsedTime(start) };
                }

                events = main ? new StepTargetEvents(_publisher, node.Path, fanOut: step.Targets is not null, attempt, holdFailures: attempt < attempts, _time) : null;
                invocation = invocation with { Progress = events?.Tracker, Wrap = events is null ? null : events.Wrap };
                last = targets is { Count: 0 } ? new StepExecution { State = StepState.Succeeded } : await _executor.ExecuteAsync(invocation, ct).ConfigureAwait(false);
                if (earlier.Count > 0)
                {
                    // Judge the step on all its targets: those of earlier runs and those run now.
                    last = TransportStepExecutor.Summarize(invocation with { Targets = all }, new BatchResult
                    {
                        RunId = RunId,
                        Operation = node.Path,
                        StartedAt = started,
                        EndedAt = _time.GetUtcNow(),
                        Outcomes = [.. earlier, .. last.Outcomes],
                        Cancelled = last.State == StepState.Cancelled,
                    });
                }

                node.LastExecution = last;
                foreach (TargetOutcome o in last.Outcomes.Where(_ => targets is not null))
                {
                    if (o.State != TargetState.NotRun || !perTarget.ContainsKey(o.Target))
                    {
                        perTarget[o.Target] = o.Stdout.ReadAll().Trim();
                    }
                }

                if (last.State is StepState.Succeeded or StepState.Cancelled || attempt == attempts)
                {
                    break;
                }

                events = null; // its held failures run again
                if (targets is not null)
                {
                    // A retry of a fan-out step runs again only on the targets that did not succeed.
                    var failed = last.Outcomes.Where(o => o.State is not (TargetState.Succeeded or TargetState.Skipped)).Select(o => o.Target).ToHashSet(StringComparer.Ordinal);
                    targets = [.. targets.Where(t => failed.Contains(t.Name))];
                }
            }
        }
        finally
        {
            events?.Release();
        }

        if (last!.State == StepState.Cancelled)
        {
            ct.ThrowIfCancellationRequested();
        }

        string output = step.Targets is null ? last.Stdout.Trim() : Parameters.SecretMasker.Apply(Expressions.TemplateValues.ToJson(perTarget.ToDictionary(k => k.Key, k => (object?)k.Value)), _secrets);
        if (step.CaptureOutput is { } name && last.State == StepState.Succeeded)
        {
            _outputs[name] = step.Targets is null ? last.Stdout.Trim() : perTarget.ToDictionary(k => k.Key, k => (object?)k.Value, StringComparer.Ordinal);
        }

        return new StepResult
        {
            Path = node.Path,
            State = last.State,
            Attempts = attempt,
            ExitCode = last.ExitCode,
            Output = Mask(output),
            TargetOutputs = perTarget.ToDictionary(k => k.Key, k => Mask(k.Value), StringComparer.Ordinal),
            Targets = all?.Count ?? 0,
            FailedTargets = all is null ? [] : [.. last.Outcomes.Where(o => o.State is not (TargetState.Succeeded or TargetState.Skipped)).Select(o => o.Target)],
            Error = MaskOrNull(last.State == StepState.TimedOut && step.Timeout is { } t && last.Error is null ? $"timed out after {Duration.Format(t)}" : last.Error),
            StartedAt = started,
            Duration = _time.GetElapsedTime(start),
        };
    }

    /// <summary>The outcome a target of a fan-out step had in an earlier run of this run (resume).</summary>
    private static TargetOutcome Earlier(string target, Runs.TargetAttemptRecord record) => new()
    {
        Target = target,
        State = record.State.ToTargetState(),
        ExitCode = record.ExitCode,
        Attempts = record.Attempt,
        Wave = record.Wave,
        StartedAt = record.StartedAt,
        Stdout = record.Stdout is { } o ? new Output.CapturedOutput(o, o.Length, null) : Output.CapturedOutput.Empty,
        Error = record.Error,
    };

    private (IReadOnlyList<Target>? Targets, string? Error) SelectTargets(StepTargets selection) => SelectTargets(selection, _options.Inventory);

    private static (IReadOnlyList<Target>? Targets, string? Error) SelectTargets(StepTargets selection, Inventory.Inventory? inventory)
    {
        if (inventory is null)
        {
            return (null, "this step runs on targets, but no inventory was given (-i/--inventory)");
        }

        var criteria = new SelectionCriteria
        {
            Tags = selection.Tags,
            Patterns = selection.Patterns,
            Groups = selection.Groups,
        };
        try
        {
            TargetSet set = Selector.Select(inventory, criteria);
            IReadOnlyList<Target> chosen = selection.Limit is { } limit ? [.. set.Take(limit)] : set; // `limit: N` caps the count
            return chosen.Count == 0 ? (null, "the step's target selection matches no target") : (chosen, null);
        }
        catch (SelectionException e)
        {
            return (null, e.Message);
        }
    }
}
