using System.Globalization;
using Fanout.Execution;
using Fanout.Expressions;
using Fanout.Runs;
using Fanout.Workflows.Model;
using Fanout.Workflows.Monitoring;
using Fanout.Workflows.Notifications;

namespace Fanout.Workflows.Engine;

/// <summary>The end of a run: figures, metrics, alerts, notifications and the result.</summary>
internal sealed partial class WorkflowExecution
{
    private readonly List<RunMetricRecord> _metrics = [];
    private readonly List<Task> _background = [];

    /// <summary>The run as a batch of units (every outcome published), once it finished: what the recorder completes with.</summary>
    public BatchResult? Batch { get; private set; }

    private async Task<WorkflowRunResult> FinishAsync(RunStatus status, string? error, DateTimeOffset startedAt, long start, bool rolledBack)
    {
        TimeSpan duration = _time.GetElapsedTime(start);
        Task[] background;
        lock (_background)
        {
            background = [.. _background];
        }

        await Task.WhenAll(background).ConfigureAwait(false);
        foreach (RuntimeStep leaf in MainLeaves.Where(l => !l.State.IsFinal()))
        {
            StepState state = status == RunStatus.Cancelled ? StepState.Cancelled : StepState.NotRun;
            await Complete(leaf, state, new StepResult { Path = leaf.Path, State = state, SkipReason = "the run ended first" }, CancellationToken.None).ConfigureAwait(false);
        }

        Dictionary<string, object?> figures = Figures(duration, status, rolledBack);
        RecordWorkflowMetrics(figures);
        var alerts = new List<string>();
        foreach (RaisedAlert alert in AlertEvaluator.Evaluate(_workflow.Alerts, figures))
        {
            string message = Mask(alert.Message);
            alerts.Add($"{alert.Severity}: {message}");
            await AnnotateAsync("alert", alert.Severity, message, CancellationToken.None).ConfigureAwait(false);
            if (_workflow.Notifications is { Channels.Count: > 0 } n)
            {
                await SendAsync(alert.ToNotification(_workflow.Name, RunId, _time.GetUtcNow()) with { Message = message }, n, CancellationToken.None).ConfigureAwait(false);
            }
        }

        if (_workflowStore is not null && _options.Store is not null && _metrics.Count > 0)
        {
            List<RunMetricRecord> metrics;
            lock (_metrics)
            {
                metrics = [.. _metrics];
            }

            await _workflowStore.SaveMetricsAsync(RunId, metrics, CancellationToken.None).ConfigureAwait(false);
        }

        string? masked = MaskOrNull(error);
        string summary = status switch
        {
            RunStatus.Succeeded => $"workflow {_workflow.Name} succeeded in {Duration.Format(duration)}",
            _ => $"workflow {_workflow.Name} {status.ToWireName()}: {masked}",
        };
        await NotifyAsync(status == RunStatus.Succeeded ? "completed" : "failed", null, summary, figures, CancellationToken.None).ConfigureAwait(false);
        Batch = new BatchResult
        {
            RunId = RunId,
            Operation = _workflow.Name,
            StartedAt = startedAt,
            EndedAt = _time.GetUtcNow(),
            Outcomes = _publisher.Outcomes,
            Cancelled = status == RunStatus.Cancelled,
            StopReason = masked,
        };
        _publisher.Publish(new Events.RunFinished { RunId = RunId, Timestamp = Batch.EndedAt, Result = Batch });

        List<StepResult> results;
        lock (_results)
        {
            results = [.. _results];
        }

        return new WorkflowRunResult
        {
            RunId = RunId,
            Workflow = _workflow.Name,
            Status = status,
            Steps = results,
            Outputs = _outputs.ToDictionary(k => k.Key, k => MaskValue(k.Value), StringComparer.Ordinal),
            Error = masked,
            RolledBack = rolledBack,
            Degradations = [.. _degradations],
            Alerts = alerts,
            Figures = figures,
            StartedAt = startedAt,
            Duration = duration,
        };
    }

    private object? MaskValue(object? value) => value switch
    {
        string s => Mask(s),
        IReadOnlyDictionary<string, object?> map => map.ToDictionary(k => k.Key, k => MaskValue(k.Value), StringComparer.Ordinal),
        IReadOnlyList<object?> list => list.Select(MaskValue).ToList(),
        _ => value,
    };

    /// <summary>The run's figures (documented in docs/workflows.md): those of <see cref="RunFigures"/> plus engine counts.</summary>
    private Dictionary<string, object?> Figures(TimeSpan duration, RunStatus status, bool rolledBack)
    {
        List<RuntimeStep> leaves = [.. MainLeaves];
        int succeeded = leaves.Count(l => l.State == StepState.Succeeded);
        int failed = leaves.Count(l => l.State is StepState.Failed or StepState.TimedOut or StepState.ShortCircuited);
        int skipped = leaves.Count(l => l.State is StepState.Skipped or StepState.NotRun);
        Dictionary<string, object?> figures = RunFigures.Create(duration, leaves.Count, succeeded, failed, skipped, status.ToWireName());
        int finished = succeeded + failed;
        figures["success_rate"] = finished == 0 ? 100.0 : Math.Round(100.0 * succeeded / finished, 2);
        figures["timed_out_steps"] = (long)leaves.Count(l => l.State == StepState.TimedOut);
        figures["short_circuited_steps"] = (long)leaves.Count(l => l.State == StepState.ShortCircuited);
        figures["retries"] = (long)leaves.Sum(l => Math.Max(0, (l.Result?.Attempts ?? 0) - 1));
        figures["targets_total"] = (long)leaves.Sum(l => l.Result?.TargetOutputs.Count ?? 0);
        figures["rolled_back"] = rolledBack;
        figures["degradations"] = (long)_degradations.Count;
        figures["duration_ms"] = (long)duration.TotalMilliseconds;
        return figures;
    }

    private void RecordStepMetrics(RuntimeStep node, StepResult result, StepMetrics metrics)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["step"] = node.Path, ["workflow"] = _workflow.Name };
        foreach ((string key, TemplateText value) in metrics.CustomLabels)
        {
            labels[key] = RenderText(value, RenderMode.Plain).Text ?? value.Text;
        }

        string text = string.Join(",", labels.Select(kv => kv.Key + "=" + Mask(kv.Value)));
        lock (_metrics)
        {
            if (metrics.TrackDuration)
            {
                _metrics.Add(new RunMetricRecord("fanout_workflow_step_duration_seconds", text, "gauge", result.Duration.TotalSeconds));
            }

            if (metrics.TrackSuccess)
            {
                _metrics.Add(new RunMetricRecord("fanout_workflow_step_success", text, "gauge", result.State == StepState.Succeeded ? 1 : 0));
            }
        }
    }

    private void RecordWorkflowMetrics(Dictionary<string, object?> figures)
    {
        if (_workflow.Metrics is not { Enabled: true } settings)
        {
            return;
        }

        string labels = "workflow=" + _workflow.Name;
        foreach (string collector in settings.Collectors)
        {
            string figure = collector == "duration" ? "deployment_duration" : collector;
            if (figures.TryGetValue(figure, out object? v) && ToDouble(v) is { } d)
            {
                _metrics.Add(new RunMetricRecord("fanout_workflow_" + collector, labels, "gauge", d));
            }
        }

        var context = new TemplateContext(figures, _ => null);
        foreach (CustomMetric metric in settings.CustomMetrics)
        {
            double? value = null;
            if (metric.Value is { } text)
            {
                TemplateParseResult parsed = Template.ParseExpression(text.Text, text.Origin);
                TemplateResult r = parsed.Success ? parsed.Template!.Evaluate(context.With("outputs", new Dictionary<string, object?>(_outputs))) : new TemplateResult(null, null, parsed.Error);
                value = r.Success ? ToDouble(r.Value) : null;
            }
            else if (figures.TryGetValue(metric.Name, out object? f))
            {
                value = ToDouble(f);
            }
            else if (metric.Type == "counter")
            {
                // A counter without a value counts the targets the run's fan-out steps succeeded on (or succeeded steps).
                long targets = MainLeaves.Sum(l => l.State == StepState.Succeeded ? l.Result?.TargetOutputs.Count ?? 0 : 0);
                value = targets > 0 ? targets : ToDouble(figures["succeeded_steps"]);
            }

            _metrics.Add(new RunMetricRecord(metric.Name, labels, metric.Type, value ?? 0));
        }
    }

    private static double? ToDouble(object? value) => value switch
    {
        long l => l,
        int i => i,
        double d => d,
        bool b => b ? 1 : 0,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
        _ => null,
    };

    private async Task NotifyAsync(string evt, string? step, string message, IReadOnlyDictionary<string, object?>? figures, CancellationToken ct)
    {
        if (_workflow.Notifications is not { } settings || settings.Channels.Count == 0 || !settings.Events.Contains(evt))
        {
            return;
        }

        await SendAsync(new WorkflowNotification
        {
            Event = evt,
            Workflow = _workflow.Name,
            RunId = RunId,
            Step = step,
            Message = Mask(message),
            Timestamp = _time.GetUtcNow(),
            Figures = figures ?? new Dictionary<string, object?>(),
        }, settings, ct).ConfigureAwait(false);
    }

    private async Task SendAsync(WorkflowNotification notification, NotificationSettings settings, CancellationToken ct)
    {
        try
        {
            await _notifier.NotifyAsync(notification, [.. settings.Channels.Select(c => c.Name)], ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
            // A notification that cannot be delivered never fails the run; it is recorded on it.
            await AnnotateAsync("notification", "warning", $"notification '{notification.Event}' failed: {e.Message}", CancellationToken.None).ConfigureAwait(false);
        }
    }
}
