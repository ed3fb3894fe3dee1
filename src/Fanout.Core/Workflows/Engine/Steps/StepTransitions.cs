using Fanout.Events;
using Fanout.Execution;
using Fanout.Expressions;

namespace Fanout.Workflows.Engine;

/// <summary>
/// State changes of the steps of one run: running, succeeded, completed in any state (the result kept, the step published on the
/// run's event stream the recorders follow, its units' outcomes reported), restored from an earlier run on resume, skipped by its
/// <c>when</c> condition.
/// </summary>
internal sealed class StepTransitions(string runId, RunState run, WorkflowPublisher publisher, StepContext context, Compensation compensation,
    RunReporter reporter, ResumeState resume, TimeProvider time)
{
    public async Task MarkRunningAsync(RuntimeStep node, DateTimeOffset started, CancellationToken ct)
    {
        node.State = StepState.Running;
        publisher.Publish(new StepStarted
        {
            RunId = runId,
            Timestamp = started,
            Path = node.Path,
            Attempt = node.Step.IsGroup ? 0 : 1,
            Targets = node.Step.Targets is null || node.Kind != "main" ? 0 : node.Units.Count,
        });
        await publisher.FlushStateAsync().ConfigureAwait(false);
        _ = ct;
    }

    public async Task SucceedAsync(RuntimeStep node, StepResult result, CancellationToken ct)
    {
        compensation.Completed(node);
        await CompleteAsync(node, StepState.Succeeded, result, ct).ConfigureAwait(false);
    }

    public async Task CompleteAsync(RuntimeStep node, StepState state, StepResult result, CancellationToken ct)
    {
        node.State = state;
        result = result with { State = state, FailureHandled = result.FailureHandled || node.FailureHandled };
        node.Result = result;
        context.SetStepStatus(node, result);
        run.Add(result);

        int? order = compensation.OrderOf(node);

        if (node.Kind == "main" && node.Children.Count == 0 && !node.Step.IsGroup)
        {
            FinishUnits(node, state, result);
        }

        // Stored values are masked: a resumed run sees captured secrets as ***.
        string? capture = state == StepState.Succeeded && node.Step.CaptureOutput is { } name && context.Outputs.TryGetValue(name, out object? value)
            ? context.Mask(TemplateValues.ToJson(new Dictionary<string, object?> { ["name"] = name, ["value"] = value }))
            : null;
        publisher.Publish(new StepFinished
        {
            RunId = runId,
            Timestamp = time.GetUtcNow(),
            Path = node.Path,
            State = state,
            Attempts = result.Attempts,
            ExitCode = result.ExitCode,
            StartedAt = result.StartedAt,
            Duration = result.Duration,
            Error = context.MaskOrNull(result.Error),
            SkipReason = context.MaskOrNull(result.SkipReason),
            Targets = result.Targets,
            FailedTargets = result.FailedTargets,
            Output = context.MaskOrNull(result.Output),
            Capture = capture,
            Completion = order,
            Main = node.Kind == "main",
        });
        await publisher.FlushStateAsync().ConfigureAwait(false);
        _ = ct;
        if (node.Step.Metrics is { } metrics && node.Kind == "main")
        {
            reporter.RecordStepMetrics(node, result, metrics);
        }
    }

    /// <summary>Reports every unit of a main leaf that has no outcome yet (never started, or run by an executor that reports none).</summary>
    private void FinishUnits(RuntimeStep node, StepState state, StepResult result)
    {
        TargetState final = state switch
        {
            StepState.Succeeded => TargetState.Succeeded,
            StepState.Skipped => TargetState.Skipped,
            StepState.TimedOut => TargetState.TimedOut,
            StepState.Cancelled => TargetState.Cancelled,
            StepState.NotRun => TargetState.NotRun,
            _ => TargetState.Failed,
        };
        bool fanOut = node.Step.Targets is not null;
        foreach (string unit in node.Units)
        {
            if (resume.IsCompleted(unit) || publisher.IsFinished(unit))
            {
                continue;
            }

            TargetOutcome? reported = node.LastExecution?.Outcomes.FirstOrDefault(o => (fanOut ? node.Path + "/" + o.Target : node.Path) == unit);
            string stdout = fanOut ? reported?.Stdout.Text ?? string.Empty : node.LastExecution?.Stdout ?? string.Empty;
            publisher.Finish(new TargetOutcome
            {
                Target = unit,
                State = reported?.State ?? final,
                Attempts = reported is { Attempts: 0 } ? 0 : fanOut && reported is null ? 0 : result.Attempts,
                ExitCode = reported?.ExitCode ?? (fanOut ? null : result.ExitCode),
                Wave = 1,
                StartedAt = result.StartedAt,
                Duration = result.Duration,
                Stdout = stdout.Length == 0 ? Output.CapturedOutput.Empty : new Output.CapturedOutput(context.Mask(stdout), stdout.Length, null),
                Error = context.MaskOrNull(reported?.Error ?? (state == StepState.Succeeded ? null : result.Error ?? result.SkipReason)),
            }, node.Path);
        }
    }

    public void Restore(RuntimeStep node, WorkflowStepRecord record)
    {
        StepState state = StepStateExtensions.ParseWireName(record.State);
        node.Restored = true;
        if (record.Capture is { } capture && TemplateValues.FromJson(System.Text.Json.JsonDocument.Parse(capture).RootElement) is IReadOnlyDictionary<string, object?> map
            && map.TryGetValue("name", out object? name) && name is string n)
        {
            context.Outputs[n] = map.GetValueOrDefault("value");
        }

        if (state == StepState.Succeeded && record.Completion is { } order)
        {
            compensation.Restored(node, order);
        }

        node.State = state;
        var result = new StepResult { Path = node.Path, State = state, Attempts = record.Attempts, ExitCode = record.ExitCode, Output = record.Output, SkipReason = record.SkipReason, Restored = true };
        node.Result = result;
        context.SetStepStatus(node, result);
        run.Add(result);

        publisher.Publish(new StepFinished
        {
            RunId = runId,
            Timestamp = time.GetUtcNow(),
            Path = node.Path,
            State = state,
            Attempts = record.Attempts,
            ExitCode = record.ExitCode,
            SkipReason = "restored from the earlier run",
            Output = record.Output,
            Restored = true,
        });
    }

    public async Task<bool> SkipByConditionAsync(RuntimeStep node, CancellationToken ct)
    {
        if (node.Step.When is not { } when)
        {
            return false;
        }

        (bool? value, string? error) = context.EvaluateCondition(when);
        if (value == true)
        {
            return false;
        }

        StepState state = error is null ? StepState.Skipped : StepState.Failed;
        string message = error is null ? $"when '{when.Text.Trim()}' is false" : $"when: {error}";
        foreach (RuntimeStep s in node.SelfAndDescendants().Reverse())
        {
            await CompleteAsync(s, s == node ? state : StepState.Skipped, new StepResult
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
