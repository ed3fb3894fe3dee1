using Fanout.Events;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Runs;
using Fanout.Selection;
using Fanout.Workflows.Model;

namespace Fanout.Workflows.Engine;

/// <summary>
/// Leaf steps (SPEC W10, W11) of one run: breaker, approval, attempts with retries, fan-out over targets through the step executor
/// (resume skips the targets that completed), then the step's hooks.
/// </summary>
internal sealed class StepRunner(string runId, WorkflowDefinition workflow, WorkflowRunnerOptions options, IStepExecutor executor, WorkflowPublisher publisher,
    StepContext context, StepTransitions transitions, HookRunner hooks, ApprovalGate approvals, BreakerBoard breakers, ResumeState resume, TimeProvider time)
{
    /// <summary>Runs a leaf step: restored or refused on resume, its condition, breaker and approval, its attempts, then its hooks.</summary>
    public async Task RunLeafAsync(RuntimeStep node, CancellationToken ct)
    {
        WorkflowStep step = node.Step;
        if (node.Kind == "main" && resume.Done(node.Path) is { } record)
        {
            transitions.Restore(node, record);
            return;
        }

        if (node.Kind == "main" && resume.IsRefused(node.Path))
        {
            await transitions.CompleteAsync(node, StepState.Failed, new StepResult
            {
                Path = node.Path,
                State = StepState.Failed,
                Error = "it was running when the run stopped and is not marked idempotent; confirm running it again (--yes)",
            }, ct).ConfigureAwait(false);
            return;
        }

        if (await transitions.SkipByConditionAsync(node, ct).ConfigureAwait(false))
        {
            return;
        }

        DateTimeOffset started = time.GetUtcNow();
        long start = time.GetTimestamp();
        CircuitBreakerGate? gate = step.CircuitBreaker is { } cb ? await breakers.GetAsync(cb.Name, ct).ConfigureAwait(false) : null;
        if (gate is not null && !await gate.TryEnterAsync(ct).ConfigureAwait(false))
        {
            var shortCircuited = new StepResult { Path = node.Path, State = StepState.ShortCircuited, SkipReason = $"circuit breaker '{gate.Name}' is open", StartedAt = started };
            node.FailureHandled = step.ContinueOnError == true;
            await transitions.CompleteAsync(node, StepState.ShortCircuited, shortCircuited, ct).ConfigureAwait(false);
            bool recovered = await hooks.FallbackAsync(node, gate, ct).ConfigureAwait(false);
            node.FailureHandled |= recovered;
            return;
        }

        if (step.ManualApproval)
        {
            (bool approved, string detail) = await approvals.ApproveAsync(node, ct).ConfigureAwait(false);
            if (!approved)
            {
                await transitions.CompleteAsync(node, StepState.Failed, new StepResult { Path = node.Path, State = StepState.Failed, Error = detail, StartedAt = started, Duration = time.GetElapsedTime(start) }, ct).ConfigureAwait(false);
                await hooks.RunAsync(step.OnFailure, node.Path + "/on_failure", ct).ConfigureAwait(false);
                node.FailureHandled = step.ContinueOnError == true;
                return;
            }

            if (step.Command is null && step.Script is null)
            {
                await transitions.SucceedAsync(node, new StepResult { Path = node.Path, State = StepState.Succeeded, StartedAt = started, Duration = time.GetElapsedTime(start), Output = detail }, ct).ConfigureAwait(false);
                return;
            }
        }

        await transitions.MarkRunningAsync(node, started, ct).ConfigureAwait(false);
        StepResult result = await RunAttemptsAsync(node, started, start, ct).ConfigureAwait(false);
        if (gate is not null && result.State is not StepState.Cancelled)
        {
            if (await gate.RecordAsync(result.State == StepState.Succeeded, ct).ConfigureAwait(false))
            {
                publisher.Publish(new BreakerOpened { RunId = runId, Timestamp = time.GetUtcNow(), Name = gate.Name, Path = node.Path, Failures = gate.Failures });
            }
        }

        if (result.State == StepState.Succeeded)
        {
            await transitions.SucceedAsync(node, result, ct).ConfigureAwait(false);
            await hooks.RunAsync(step.OnSuccess, node.Path + "/on_success", ct).ConfigureAwait(false);
            return;
        }

        node.FailureHandled = step.ContinueOnError == true;
        await transitions.CompleteAsync(node, result.State, result with { FailureHandled = node.FailureHandled }, ct).ConfigureAwait(false);
        if (result.State == StepState.Cancelled)
        {
            ct.ThrowIfCancellationRequested();
        }

        await hooks.RunAsync(step.OnFailure, node.Path + "/on_failure", ct).ConfigureAwait(false);
        if (step.FallbackSteps.Count > 0 || gate is not null)
        {
            node.FailureHandled |= await hooks.FallbackAsync(node, gate, ct).ConfigureAwait(false);
        }
    }

    private async Task<StepResult> RunAttemptsAsync(RuntimeStep node, DateTimeOffset started, long start, CancellationToken ct)
    {
        WorkflowStep step = node.Step;
        ErrorHandling? defaults = workflow.ErrorHandling;
        int attempts = step.Retry?.Attempts ?? (workflow.ErrorHandling?.Strategy == ErrorStrategy.Retry ? defaults!.MaxRetries + 1 : 1);
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
            if (main && resume.CompletedUnits.Count > 0)
            {
                // Resume: targets that completed before the run stopped are not run again (as exec resume does).
                earlier.AddRange(targets.Where(t => resume.IsCompleted(node.Path + "/" + t.Name)).Select(t => Earlier(t.Name, resume.CompletedUnits[node.Path + "/" + t.Name])));
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
                    publisher.Publish(new StepStarted { RunId = runId, Timestamp = time.GetUtcNow(), Path = node.Path, Attempt = attempt, Targets = all?.Count ?? 0, Message = $"retry {attempt}/{attempts} in {Duration.Format(delay)}" });
                    await hooks.RunAsync(step.OnRetry, node.Path + "/on_retry", ct).ConfigureAwait(false);
                    if (delay > TimeSpan.Zero)
                    {
                        await Task.Delay(delay, time, ct).ConfigureAwait(false);
                    }
                }

                (StepInvocation? invocation, string? renderError) = context.Render(node, targets);
                if (invocation is null)
                {
                    return new StepResult { Path = node.Path, State = StepState.Failed, Attempts = attempt, Error = renderError, StartedAt = started, Duration = time.GetElapsedTime(start) };
                }

                events = main ? new StepTargetEvents(publisher, node.Path, fanOut: step.Targets is not null, attempt, holdFailures: attempt < attempts, time) : null;
                invocation = invocation with { Progress = events?.Tracker, Wrap = events is null ? null : events.Wrap };
                last = targets is { Count: 0 } ? new StepExecution { State = StepState.Succeeded } : await executor.ExecuteAsync(invocation, ct).ConfigureAwait(false);
                if (earlier.Count > 0)
                {
                    // Judge the step on all its targets: those of earlier runs and those run now.
                    last = TransportStepExecutor.Summarize(invocation with { Targets = all }, new BatchResult
                    {
                        RunId = runId,
                        Operation = node.Path,
                        StartedAt = started,
                        EndedAt = time.GetUtcNow(),
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

        string output = step.Targets is null ? last.Stdout.Trim() : context.Mask(Expressions.TemplateValues.ToJson(perTarget.ToDictionary(k => k.Key, k => (object?)k.Value)));
        if (step.CaptureOutput is { } name && last.State == StepState.Succeeded)
        {
            context.Outputs[name] = step.Targets is null ? last.Stdout.Trim() : perTarget.ToDictionary(k => k.Key, k => (object?)k.Value, StringComparer.Ordinal);
        }

        return new StepResult
        {
            Path = node.Path,
            State = last.State,
            Attempts = attempt,
            ExitCode = last.ExitCode,
            Output = context.Mask(output),
            TargetOutputs = perTarget.ToDictionary(k => k.Key, k => context.Mask(k.Value), StringComparer.Ordinal),
            Targets = all?.Count ?? 0,
            FailedTargets = all is null ? [] : [.. last.Outcomes.Where(o => o.State is not (TargetState.Succeeded or TargetState.Skipped)).Select(o => o.Target)],
            Error = context.MaskOrNull(last.State == StepState.TimedOut && step.Timeout is { } t && last.Error is null ? $"timed out after {Duration.Format(t)}" : last.Error),
            StartedAt = started,
            Duration = time.GetElapsedTime(start),
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

    private (IReadOnlyList<Target>? Targets, string? Error) SelectTargets(StepTargets selection) => SelectTargets(selection, options.Inventory);

    /// <summary>The units a main leaf is recorded as: the step itself, or <c>PATH/TARGET</c> per target of a fan-out step.</summary>
    public static IReadOnlyList<string> UnitsOf(RuntimeStep leaf, Inventory.Inventory? inventory) =>
        leaf.Step.Targets is { } selection && SelectTargets(selection, inventory).Targets is { } targets
            ? [.. targets.Select(t => leaf.Path + "/" + t.Name)]
            : [leaf.Path];

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
            Excludes = selection.Excludes,
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
