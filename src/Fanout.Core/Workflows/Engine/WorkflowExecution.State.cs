using Fanout.Events;
using Fanout.Execution;
using Fanout.Expressions;

namespace Fanout.Workflows.Engine;

/// <summary>State changes of steps: published on the run's event stream (the recorders follow it), outcomes of units, restore on resume.</summary>
internal sealed partial class WorkflowExecution
{
    private async Task MarkRunningAsync(RuntimeStep node, DateTimeOffset started, CancellationToken ct)
    {
        node.State = StepState.Running;
        _publisher.Publish(new StepStarted
        {
            RunId = RunId,
            Timestamp = started,
            Path = node.Path,
            Attempt = node.Step.IsGroup ? 0 : 1,
            Targets = node.Step.Targets is null || node.Kind != "main" ? 0 : node.Units.Count,
        });
        await _publisher.FlushStateAsync().ConfigureAwait(false);
        _ = ct;
    }

    private async Task Succeed(RuntimeStep node, StepResult result, CancellationToken ct)
    {
        _compensation.Completed(node);
        await Complete(node, StepState.Succeeded, result, ct).ConfigureAwait(false);
    }

    private async Task Complete(RuntimeStep node, StepState state, StepResult result, CancellationToken ct)
    {
        node.State = state;
        result = result with { State = state, FailureHandled = result.FailureHandled || node.FailureHandled };
        node.Result = result;
        _context.SetStepStatus(node, result);
        lock (_results)
        {
            _results.Add(result);
        }

        int? order = _compensation.OrderOf(node);

        if (node.Kind == "main" && node.Children.Count == 0 && !node.Step.IsGroup)
        {
            FinishUnits(node, state, result);
        }

        // Stored values are masked: a resumed run sees captured secrets as ***.
        string? capture = state == StepState.Succeeded && node.Step.CaptureOutput is { } name && _context.Outputs.TryGetValue(name, out object? value)
            ? _context.Mask(TemplateValues.ToJson(new Dictionary<string, object?> { ["name"] = name, ["value"] = value }))
            : null;
        _publisher.Publish(new StepFinished
        {
            RunId = RunId,
            Timestamp = _time.GetUtcNow(),
            Path = node.Path,
            State = state,
            Attempts = result.Attempts,
            ExitCode = result.ExitCode,
            StartedAt = result.StartedAt,
            Duration = result.Duration,
            Error = _context.MaskOrNull(result.Error),
            SkipReason = _context.MaskOrNull(result.SkipReason),
            Targets = result.Targets,
            FailedTargets = result.FailedTargets,
            Output = _context.MaskOrNull(result.Output),
            Capture = capture,
            Completion = order,
            Main = node.Kind == "main",
        });
        await _publisher.FlushStateAsync().ConfigureAwait(false);
        _ = ct;
        if (node.Step.Metrics is { } metrics && node.Kind == "main")
        {
            _reporter.RecordStepMetrics(node, result, metrics);
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
            if (Resume.IsCompleted(unit) || _publisher.IsFinished(unit))
            {
                continue;
            }

            TargetOutcome? reported = node.LastExecution?.Outcomes.FirstOrDefault(o => (fanOut ? node.Path + "/" + o.Target : node.Path) == unit);
            string stdout = fanOut ? reported?.Stdout.Text ?? string.Empty : node.LastExecution?.Stdout ?? string.Empty;
            _publisher.Finish(new TargetOutcome
            {
                Target = unit,
                State = reported?.State ?? final,
                Attempts = reported is { Attempts: 0 } ? 0 : fanOut && reported is null ? 0 : result.Attempts,
                ExitCode = reported?.ExitCode ?? (fanOut ? null : result.ExitCode),
                Wave = 1,
                StartedAt = result.StartedAt,
                Duration = result.Duration,
                Stdout = stdout.Length == 0 ? Output.CapturedOutput.Empty : new Output.CapturedOutput(_context.Mask(stdout), stdout.Length, null),
                Error = _context.MaskOrNull(reported?.Error ?? (state == StepState.Succeeded ? null : result.Error ?? result.SkipReason)),
            }, node.Path);
        }
    }

    private void Restore(RuntimeStep node, WorkflowStepRecord record)
    {
        StepState state = StepStateExtensions.ParseWireName(record.State);
        node.Restored = true;
        if (record.Capture is { } capture && TemplateValues.FromJson(System.Text.Json.JsonDocument.Parse(capture).RootElement) is IReadOnlyDictionary<string, object?> map
            && map.TryGetValue("name", out object? name) && name is string n)
        {
            _context.Outputs[n] = map.GetValueOrDefault("value");
        }

        if (state == StepState.Succeeded && record.Completion is { } order)
        {
            _compensation.Restored(node, order);
        }

        node.State = state;
        var result = new StepResult { Path = node.Path, State = state, Attempts = record.Attempts, ExitCode = record.ExitCode, Output = record.Output, SkipReason = record.SkipReason, Restored = true };
        node.Result = result;
        _context.SetStepStatus(node, result);
        lock (_results)
        {
            _results.Add(result);
        }

        _publisher.Publish(new StepFinished
        {
            RunId = RunId,
            Timestamp = _time.GetUtcNow(),
            Path = node.Path,
            State = state,
            Attempts = record.Attempts,
            ExitCode = record.ExitCode,
            SkipReason = "restored from the earlier run",
            Output = record.Output,
            Restored = true,
        });
    }
}
