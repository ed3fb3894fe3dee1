using System.Globalization;
using Fanout.Expressions;
using Fanout.Runs;
using Fanout.Workflows.Model;
using Fanout.Workflows.Monitoring;
using Fanout.Workflows.Notifications;

namespace Fanout.Workflows.Engine;

/// <summary>
/// What a run reports besides its steps (SPEC W15, W16): figures, step and workflow metrics, alerts, notifications
/// and annotations (degradations, rollback, approvals, failed notifications), masked, stored through
/// <see cref="IWorkflowStore"/> when the run is recorded.
/// </summary>
internal sealed class RunReporter
{
    private readonly WorkflowDefinition _workflow;
    private readonly string _runId;
    private readonly IWorkflowStore? _store;
    private readonly INotifier _notifier;
    private readonly TimeProvider _time;
    private readonly StepContext _context;
    private readonly List<RunMetricRecord> _metrics = [];
    private readonly Configuration.FanoutConfig? _config;

    public RunReporter(WorkflowDefinition workflow, string runId, WorkflowRunnerOptions options, StepContext context, TimeProvider time)
    {
        _workflow = workflow;
        _runId = runId;
        _store = options.Store?.Workflows;
        _notifier = options.Notifier ?? NullNotifier.Instance;
        _context = context;
        _time = time;
        _config = options.Config;
    }

    /// <summary>Whether workflow and step metrics are recorded: <c>monitoring.metrics_collection</c>, else <c>metrics.enabled</c>, else true.</summary>
    public bool MetricsEnabled => _workflow.Monitoring?.MetricsCollection ?? _workflow.Metrics?.Enabled ?? true;

    public string Workflow => _workflow.Name;

    public string Mask(string text) => _context.Mask(text);

    /// <summary>Evaluates the workflow's alerts on <paramref name="figures"/>: annotates and notifies each; returns them as "severity: message".</summary>
    public async Task<List<string>> RaiseAlertsAsync(Dictionary<string, object?> figures)
    {
        var alerts = new List<string>();
        foreach (RaisedAlert alert in AlertEvaluator.Evaluate(_workflow.Alerts, figures))
        {
            string message = _context.Mask(alert.Message);
            alerts.Add($"{alert.Severity}: {message}");
            await AnnotateAsync("alert", alert.Severity, message, CancellationToken.None).ConfigureAwait(false);
            if (_workflow.Notifications is { Channels.Count: > 0 } n)
            {
                await SendAsync(alert.ToNotification(_workflow.Name, _runId, _time.GetUtcNow()) with { Message = message }, n, CancellationToken.None).ConfigureAwait(false);
            }
        }

        return alerts;
    }

    /// <summary>Stores the metric values recorded so far.</summary>
    public async Task SaveMetricsAsync()
    {
        List<RunMetricRecord> metrics;
        lock (_metrics)
        {
            metrics = [.. _metrics];
        }

        if (_store is not null && metrics.Count > 0)
        {
            await _store.SaveMetricsAsync(_runId, metrics, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The run's figures (documented in docs/workflows.md): the step counts of <see cref="StepCounts"/> plus engine figures.</summary>
    public static Dictionary<string, object?> Figures(IReadOnlyList<RuntimeStep> leaves, StepCounts counts, int degradations, TimeSpan duration, RunStatus status, bool rolledBack)
    {
        Dictionary<string, object?> figures = RunFigures.Create(duration, counts, status.ToWireName());
        figures["retries"] = (long)leaves.Sum(l => Math.Max(0, (l.Result?.Attempts ?? 0) - 1));
        figures["targets_total"] = (long)leaves.Sum(l => l.Result?.TargetOutputs.Count ?? 0);
        figures["rolled_back"] = rolledBack;
        figures["degradations"] = (long)degradations;
        figures["duration_ms"] = (long)duration.TotalMilliseconds;
        return figures;
    }

    public void RecordStepMetrics(RuntimeStep node, StepResult result, StepMetrics metrics)
    {
        if (!MetricsEnabled)
        {
            return;
        }

        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["step"] = node.Path, ["workflow"] = _workflow.Name };
        foreach ((string key, TemplateText value) in metrics.CustomLabels)
        {
            labels[key] = _context.RenderText(value, RenderMode.Plain).Text ?? value.Text;
        }

        string text = string.Join(",", labels.Select(kv => kv.Key + "=" + _context.Mask(kv.Value)));
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

    /// <summary>The run figures <c>monitoring.metrics_collection: true</c> records when the workflow has no <c>metrics:</c> block.</summary>
    public static IReadOnlyList<string> StandardFigures { get; } = ["deployment_duration", "success_rate", "total_steps", "failed_steps"];

    public void RecordWorkflowMetrics(Dictionary<string, object?> figures, IReadOnlyList<RuntimeStep> leaves)
    {
        if (!MetricsEnabled)
        {
            return;
        }

        string labels = "workflow=" + _workflow.Name;
        var exported = new HashSet<string>(StringComparer.Ordinal);

        // monitoring.metrics: each named run figure as fanout_workflow_<name> (a custom metric of that name is recorded below).
        IEnumerable<string> named = _workflow.Monitoring?.Metrics.Select(m => m.Name) ?? [];
        if (_workflow.Metrics is null && _workflow.Monitoring?.MetricsCollection == true)
        {
            named = named.Concat(StandardFigures);
        }

        foreach (string name in named)
        {
            if (exported.Add(name) && figures.TryGetValue(name, out object? v) && ToDouble(v) is { } d)
            {
                lock (_metrics)
                {
                    _metrics.Add(new RunMetricRecord("fanout_workflow_" + name, labels, "gauge", d));
                }
            }
        }

        if (_workflow.Metrics is not { } settings)
        {
            return;
        }

        // A collector that names a run figure records it; 'prometheus' and channels are served by the store and
        // DeliverMetricsAsync.
        foreach (string collector in settings.Collectors.Select(c => c.Name))
        {
            string figure = collector == "duration" ? "deployment_duration" : collector;
            if (exported.Add(collector) && figures.TryGetValue(figure, out object? v) && ToDouble(v) is { } d)
            {
                lock (_metrics)
                {
                    _metrics.Add(new RunMetricRecord("fanout_workflow_" + collector, labels, "gauge", d));
                }
            }
        }

        var context = new TemplateContext(figures, _ => null);
        foreach (CustomMetric metric in settings.CustomMetrics)
        {
            double? value = null;
            if (metric.Value is { } text)
            {
                TemplateParseResult parsed = Template.ParseExpression(text.Text, text.Origin);
                TemplateResult r = parsed.Success ? parsed.Template!.Evaluate(context.With("outputs", new Dictionary<string, object?>(_context.Outputs))) : new TemplateResult(null, null, parsed.Error);
                value = r.Success ? ToDouble(r.Value) : null;
            }
            else if (figures.TryGetValue(metric.Name, out object? f))
            {
                value = ToDouble(f);
            }
            else if (metric.Type == "counter")
            {
                // A counter without a value counts the targets the run's fan-out steps succeeded on (or succeeded steps).
                long targets = leaves.Sum(l => l.State == StepState.Succeeded ? l.Result?.TargetOutputs.Count ?? 0 : 0);
                value = targets > 0 ? targets : ToDouble(figures["succeeded_steps"]);
            }

            _metrics.Add(new RunMetricRecord(metric.Name, labels, metric.Type, value ?? 0));
        }
    }

    /// <summary>
    /// <c>metrics.collectors</c> naming channels of Fanout's config: the run's recorded metrics (name, labels, type, value)
    /// and its figures are delivered to each as a <c>metrics</c> event, through the notification channels' delivery. A
    /// collector that is neither <c>prometheus</c>, a figure nor a configured channel is annotated on the run (it collected
    /// nothing). Never fails the run.
    /// </summary>
    public async Task DeliverMetricsAsync(IReadOnlyDictionary<string, object?> figures)
    {
        if (!MetricsEnabled || _workflow.Metrics is not { } settings)
        {
            return;
        }

        var channels = new List<Model.NamedReference>();
        foreach (Model.NamedReference collector in settings.Collectors)
        {
            if (collector.Name == Validation.WorkflowValidator.PrometheusCollector || Validation.WorkflowValidator.IsKnownCollector(collector.Name, []))
            {
                continue; // the store (exported on /metrics) or a figure recorded above
            }

            if (_config?.Channels.ContainsKey(collector.Name) == true)
            {
                channels.Add(collector);
            }
            else
            {
                await AnnotateAsync("metrics", "warning", $"metrics collector '{collector.Name}' is not a channel of Fanout's config; no metrics were sent to it", CancellationToken.None).ConfigureAwait(false);
            }
        }

        if (channels.Count == 0)
        {
            return;
        }

        // A custom metric travels with its description (the workflow's documentation of it).
        var descriptions = settings.CustomMetrics.Where(c => c.Description is not null).GroupBy(c => c.Name).ToDictionary(g => g.Key, g => g.First().Description, StringComparer.Ordinal);
        List<object?> metrics;
        lock (_metrics)
        {
            metrics = [.. _metrics.Select(m => (object?)new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["name"] = m.Name,
                ["labels"] = m.Labels,
                ["type"] = m.Type,
                ["value"] = m.Value,
                ["description"] = descriptions.GetValueOrDefault(m.Name),
            })];
        }

        var payload = new Dictionary<string, object?>(figures, StringComparer.Ordinal) { ["metrics"] = metrics };
        await SendAsync(new WorkflowNotification
        {
            Event = "metrics",
            Workflow = _workflow.Name,
            RunId = _runId,
            Message = $"{metrics.Count} metric(s) of workflow {_workflow.Name}",
            Timestamp = _time.GetUtcNow(),
            Figures = payload,
        }, new NotificationSettings { Channels = channels }, CancellationToken.None).ConfigureAwait(false);
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

    /// <summary>
    /// Sends <paramref name="evt"/> to the workflow's channels when <c>notifications.events</c> lists it — or, with
    /// <paramref name="force"/> (<c>monitoring.alert_on_failure</c>), in any case: to the workflow's channels, else to every
    /// channel of Fanout's config.
    /// </summary>
    public async Task NotifyAsync(string evt, string? step, string message, IReadOnlyDictionary<string, object?>? figures, CancellationToken ct, bool force = false)
    {
        NotificationSettings? settings = _workflow.Notifications;
        if (force && settings is not { Channels.Count: > 0 })
        {
            settings = new NotificationSettings { Channels = [.. (_config?.Channels.Keys ?? []).Order(StringComparer.Ordinal).Select(c => new Model.NamedReference(c, default))] };
        }

        if (settings is null || settings.Channels.Count == 0 || (!force && !settings.Events.Contains(evt)))
        {
            return;
        }

        await SendAsync(new WorkflowNotification
        {
            Event = evt,
            Workflow = _workflow.Name,
            RunId = _runId,
            Step = step,
            Message = _context.Mask(message),
            Timestamp = _time.GetUtcNow(),
            Figures = figures ?? new Dictionary<string, object?>(),
        }, settings, ct).ConfigureAwait(false);
    }

    public async Task SendAsync(WorkflowNotification notification, NotificationSettings settings, CancellationToken ct)
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

    /// <summary>
    /// <c>monitoring.log_aggregation</c>: appends one JSON line per step of the run (masked) to the sink of Fanout's config
    /// (<c>log_aggregation.path</c>); without a sink, or when it cannot be written, an annotation says so (never fails the run).
    /// </summary>
    public async Task AggregateLogsAsync(IReadOnlyList<StepResult> results)
    {
        if (_config?.LogAggregationPath is not { } path)
        {
            await AnnotateAsync("log_aggregation", "warning", "log_aggregation: Fanout's config names no sink (log_aggregation: {path: FILE}); step logs were not aggregated", CancellationToken.None).ConfigureAwait(false);
            return;
        }

        var lines = new System.Text.StringBuilder();
        foreach (StepResult r in results)
        {
            using var buffer = new MemoryStream();
            using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("timestamp", (r.StartedAt ?? _time.GetUtcNow()).ToUniversalTime());
                json.WriteString("runId", _runId);
                json.WriteString("workflow", _workflow.Name);
                json.WriteString("step", r.Path);
                json.WriteString("state", r.State.ToWireName());
                json.WriteNumber("attempts", r.Attempts);
                if (r.ExitCode is { } exit)
                {
                    json.WriteNumber("exitCode", exit);
                }
                else
                {
                    json.WriteNull("exitCode");
                }

                json.WriteNumber("durationMs", (long)r.Duration.TotalMilliseconds);
                json.WriteString("output", r.Output is null ? null : _context.Mask(r.Output));
                json.WriteString("error", r.Error is null ? null : _context.Mask(r.Error));
                json.WriteEndObject();
            }

            lines.Append(System.Text.Encoding.UTF8.GetString(buffer.ToArray())).Append('\n');
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            await File.AppendAllTextAsync(path, lines.ToString(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await AnnotateAsync("log_aggregation", "warning", $"log_aggregation: cannot write {path}: {e.Message}", CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async Task AnnotateAsync(string kind, string severity, string message, CancellationToken ct)
    {
        if (_store is not null)
        {
            await _store.AddAnnotationAsync(new RunAnnotationRecord(_runId, kind, severity, _context.Mask(message), _time.GetUtcNow()), CancellationToken.None).ConfigureAwait(false);
        }

        _ = ct;
    }
}
