using Fanout.Events;
using Fanout.Execution;
using Fanout.Expressions;
using Fanout.Runs;
using Fanout.Workflows.Model;

namespace Fanout.Workflows.Engine;

/// <summary>State changes of steps: recording, outputs, restore on resume.</summary>
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
        lock (_completed)
        {
            _completed.Add((node, ++_completion));
        }

        await Complete(node, StepState.Succeeded, result, ct).ConfigureAwait(false);
    }

    private async Task Complete(RuntimeStep node, StepState state, StepResult result, CancellationToken ct)
    {
        node.State = state;
        result = result with { State = state, FailureHandled = result.FailureHandled || node.FailureHandled };
        node.Result = result;
        SetStepStatus(node, result);
        lock (_results)
        {
            _results.Add(result);
        }

        int? order = null;
        lock (_completed)
        {
            foreach ((RuntimeStep s, int n) in _completed)
            {
                if (s == node)
                {
                    order = n;
                }
            }
        }

        if (node.Kind == "main" && node.Children.Count == 0 && !node.Step.IsGroup)
        {
            FinishUnits(node, state, result);
        }

        // Stored values are masked: a resumed run sees captured secrets as ***.
        string? capture = state == StepState.Succeeded && node.Step.CaptureOutput is { } name && _outputs.TryGetValue(name, out object? value)
            ? Mask(TemplateValues.ToJson(new Dictionary<string, object?> { ["name"] = name, ["value"] = value }))
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
            Error = MaskOrNull(result.Error),
            SkipReason = MaskOrNull(result.SkipReason),
            Targets = result.Targets,
            FailedTargets = result.FailedTargets,
            Output = MaskOrNull(result.Output),
            Capture = capture,
            Completion = order,
            Main = node.Kind == "main",
        });
        await _publisher.FlushStateAsync().ConfigureAwait(false);
        _ = ct;
        if (node.Step.Metrics is { } metrics && node.Kind == "main")
        {
            RecordStepMetrics(node, result, metrics);
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
            if (CompletedUnits.ContainsKey(unit) || _publisher.IsFinished(unit))
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
                Stdout = stdout.Length == 0 ? Output.CapturedOutput.Empty : new Output.CapturedOutput(Mask(stdout), stdout.Length, null),
                Error = MaskOrNull(reported?.Error ?? (state == StepState.Succeeded ? null : result.Error ?? result.SkipReason)),
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
            _outputs[n] = map.GetValueOrDefault("value");
        }

        if (state == StepState.Succeeded && record.Completion is { } order)
        {
            lock (_completed)
            {
                _completed.Add((node, order));
                _completion = Math.Max(_completion, order);
            }
        }

        node.State = state;
        var result = new StepResult { Path = node.Path, State = state, Attempts = record.Attempts, ExitCode = record.ExitCode, Output = record.Output, SkipReason = record.SkipReason, Restored = true };
        node.Result = result;
        SetStepStatus(node, result);
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

    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);

    private async Task RestoreAsync(CancellationToken ct)
    {
        if (_workflowStore is null)
        {
            return;
        }

        foreach (WorkflowStepRecord record in await _workflowStore.GetStepsAsync(RunId, ct).ConfigureAwait(false))
        {
            _restored[record.Path] = record;
        }

        // Steps that were running when the process died run again; a step not declared idempotent asks first.
        foreach (RuntimeStep leaf in MainLeaves)
        {
            if (_restored.TryGetValue(leaf.Path, out WorkflowStepRecord? r) && r.State == StepState.Running.ToWireName() && !leaf.Step.Idempotent)
            {
                bool confirmed = _options.ConfirmRerun is { } confirm && await confirm(leaf.Path, ct).ConfigureAwait(false);
                if (!confirmed)
                {
                    _refused.Add(leaf.Path);
                }
            }
        }
    }

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

                await AnnotateAsync("degradation", "warning", $"circuit breaker '{gate.Name}' ({node.Path}): degraded to '{degradation}'", ct).ConfigureAwait(false);
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

    private async Task<CircuitBreakerGate?> GetBreakerAsync(string name, CancellationToken ct)
    {
        CircuitBreakerDefinition? definition = _workflow.CircuitBreakers.FirstOrDefault(b => b.Name == name);
        if (definition is null)
        {
            return null;
        }

        CircuitBreakerGate? gate;
        lock (_breakers)
        {
            if (!_breakers.TryGetValue(name, out gate))
            {
                gate = new CircuitBreakerGate(_workflow.Name, definition, _workflowStore, _time);
                _breakers[name] = gate;
            }
        }

        await gate.LoadAsync(ct).ConfigureAwait(false);
        return gate;
    }

    private async Task AnnotateAsync(string kind, string severity, string message, CancellationToken ct)
    {
        if (_workflowStore is not null && _options.Store is not null)
        {
            await _workflowStore.AddAnnotationAsync(new RunAnnotationRecord(RunId, kind, severity, Mask(message), _time.GetUtcNow()), CancellationToken.None).ConfigureAwait(false);
        }

        _ = ct;
    }
}
