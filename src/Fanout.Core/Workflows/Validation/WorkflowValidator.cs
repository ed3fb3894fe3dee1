using System.Text.RegularExpressions;
using Fanout.Diagnostics;
using Fanout.Expressions;
using Fanout.Workflows.Model;
using Fanout.Workflows.Parsing;

namespace Fanout.Workflows.Validation;

/// <summary>
/// Checks a parsed workflow and reports every problem at once (SPEC W17 <c>validate</c>): references, cycles,
/// resources, templates, durations, patterns and configuration. Never throws for a bad workflow.
/// </summary>
public static partial class WorkflowValidator
{
    /// <summary>Names every template may read besides the workflow's parameters, variables and conditions.</summary>
    public static IReadOnlyList<string> BuiltInNames { get; } =
        ["outputs", "steps", "workflow_id", "workflow_name", "run_id", "target", "env", "environment", "parameters", "variables", "conditions", "failed_step"];

    /// <summary>Run figures that <c>monitoring.alerts</c> conditions may read.</summary>
    public static IReadOnlyList<string> AlertFigures { get; } =
        ["deployment_duration", "duration", "total_steps", "succeeded_steps", "failed_steps", "skipped_steps", "failure_rate", "status",
         "success_rate", "timed_out_steps", "short_circuited_steps", "cancelled_steps", "not_run_steps", "retries", "targets_total", "rolled_back", "degradations", "duration_ms",
         "rollback_count", "health_checks_passed", "health_checks_failed", "recoveries"];

    /// <summary>The built-in metrics collector: the store's run metrics, exported on <c>/metrics</c> by <c>fanout serve</c>.</summary>
    public const string PrometheusCollector = "prometheus";

    /// <summary>
    /// Whether a <c>metrics.collectors</c> name means something: <see cref="PrometheusCollector"/>, a run figure
    /// (<c>duration</c> = <c>deployment_duration</c>), or a channel of Fanout's config.
    /// </summary>
    public static bool IsKnownCollector(string name, IReadOnlyCollection<string> configuredChannels) =>
        name == PrometheusCollector || name == "duration" || AlertFigures.Contains(name) || configuredChannels.Contains(name);

    /// <summary>Parses and validates a file; diagnostics are sorted by position.</summary>
    public static WorkflowParseResult ValidateFile(string path, WorkflowValidationOptions? options = null)
    {
        var parsed = WorkflowParser.ParseFile(path);
        return parsed.Workflow is null ? parsed : parsed with { Diagnostics = WorkflowParser.Sort(parsed.Diagnostics.Concat(Validate(parsed.Workflow, options))) };
    }

    /// <summary>Parses and validates workflow text; diagnostics are sorted by position.</summary>
    public static WorkflowParseResult ValidateText(string text, string? file = null, WorkflowValidationOptions? options = null)
    {
        var parsed = WorkflowParser.Parse(text, file);
        return parsed.Workflow is null ? parsed : parsed with { Diagnostics = WorkflowParser.Sort(parsed.Diagnostics.Concat(Validate(parsed.Workflow, options))) };
    }

    /// <summary>Validates a parsed workflow (parse diagnostics are not repeated).</summary>
    public static IReadOnlyList<Diagnostic> Validate(WorkflowDefinition workflow, WorkflowValidationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var run = new Run(workflow, options ?? new WorkflowValidationOptions());
        run.Execute();
        return WorkflowParser.Sort(run.Diagnostics);
    }

    private sealed partial class Run(WorkflowDefinition workflow, WorkflowValidationOptions options)
    {
        private readonly HashSet<string> _known = new(StringComparer.Ordinal);

        public List<Diagnostic> Diagnostics { get; } = [];

        private void Error(SourcePosition p, string message) => Diagnostics.Add(Diagnostic.Error(p, message));

        private void Warning(SourcePosition p, string message) => Diagnostics.Add(Diagnostic.Warning(p, message));

        public void Execute()
        {
            // 'environment' (and 'env') are built in but only defined when -e gives them: undeclared, they warn like any
            // other name that must come with the run (and plan/run stop with an error when it does not).
            _known.UnionWith(BuiltInNames.Where(n => n is not ("environment" or "env")));
            _known.UnionWith(options.KnownNames);
            _known.UnionWith(workflow.Parameters.Select(p => p.Name));

            // Evaluation order at run time: parameters, then variables (in order), then conditions (in order).
            CheckParameters();
            CheckVariables();
            CheckUnique(workflow.Conditions.Select(c => (c.Name, c.Position)), "condition");
            foreach (var c in workflow.Conditions)
            {
                CheckExpression(c.Expression);
                _known.Add(c.Name);
            }
            foreach (var rule in workflow.Validation)
            {
                CheckExpression(rule.Expression);
                CheckTemplate(rule.Message);
            }

            foreach (var pre in workflow.Prerequisites)
            {
                CheckTemplate(pre.Command);
            }

            CheckSteps();
            CheckNotifications();
            CheckCollectors();
            CheckRecovery();
            CheckMonitoring();
            foreach (var alert in workflow.Alerts)
            {
                CheckText(alert.Condition, expression: true, AlertFigures, bareNames: true);
                CheckTemplate(alert.Message, AlertFigures);
            }

            foreach (var metric in workflow.Metrics?.CustomMetrics ?? [])
            {
                CheckTemplate(metric.Value);
            }
        }

        private void CheckUnique(IEnumerable<(string Name, SourcePosition Position)> items, string what)
        {
            var seen = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
            foreach (var (name, position) in items)
            {
                if (name.Length == 0)
                {
                    continue;
                }

                if (seen.TryGetValue(name, out var first))
                {
                    Error(position, $"duplicate {what} name '{name}' (first defined at {first.Line}:{first.Column})");
                }
                else
                {
                    seen[name] = position;
                }
            }
        }

        private void CheckParameters()
        {
            CheckUnique(workflow.Parameters.Select(p => (p.Name, p.Position)), "parameter");
            foreach (var p in workflow.Parameters)
            {
                if (p.Name.Length > 0 && !IsIdentifier(p.Name))
                {
                    Error(p.Position, $"parameter name '{p.Name}' must be letters, digits and '_' (templates read it as .{p.Name})");
                }

                // 'environment' is the one built-in a workflow may declare: -e sets it, and declaring it adds a type,
                // a default and validation (the binder already treats -e as a value for a declared 'environment').
                if (BuiltInNames.Contains(p.Name) && p.Name != "environment")
                {
                    Error(p.Position, $"parameter name '{p.Name}' is reserved (built-in template name)");
                }

                var v = p.Validation;
                if (v?.Pattern is { } pattern)
                {
                    try
                    {
                        _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
                    }
                    catch (ArgumentException ex)
                    {
                        Error(v.Position, $"parameter '{p.Name}': invalid validation pattern: {ex.Message}");
                    }
                }

                if (v is { MinItems: { } lo, MaxItems: { } hi } && lo > hi)
                {
                    Error(v.Position, $"parameter '{p.Name}': min_items ({lo}) is greater than max_items ({hi})");
                }

                if (v is { Min: { } min, Max: { } max } && min > max)
                {
                    Error(v.Position, $"parameter '{p.Name}': min ({min}) is greater than max ({max})");
                }

                if (v is not null && (v.MinItems is not null || v.MaxItems is not null) && p.Type != ParameterType.List)
                {
                    Error(v.Position, $"parameter '{p.Name}': min_items/max_items apply to list parameters, but the type is {p.Type.ToString().ToLowerInvariant()}");
                }

                if (v is not null && (v.Min is not null || v.Max is not null) && p.Type != ParameterType.Number)
                {
                    Error(v.Position, $"parameter '{p.Name}': min/max apply to number parameters, but the type is {p.Type.ToString().ToLowerInvariant()}");
                }

                if (p.HasDefault && p.Default is not null && !Diagnostics.Any(d => d.IsError && d.Position == v?.Position))
                {
                    var error = ParameterBinder.Check(p, p.Default, out _);
                    if (error is not null)
                    {
                        Error(p.Position, $"parameter '{p.Name}': invalid default: {error}");
                    }
                }

                if (p.Required && p.HasDefault)
                {
                    Warning(p.Position, $"parameter '{p.Name}' is required but has a default, so it can never be missing");
                }
            }
        }

        private void CheckVariables()
        {
            CheckUnique(workflow.Variables.Select(v => (v.Name, v.Position)), "variable");
            var later = new HashSet<string>(workflow.Variables.Select(v => v.Name), StringComparer.Ordinal);
            foreach (var variable in workflow.Variables)
            {
                later.Remove(variable.Name);
                if (variable.Template is { } template && Parse(template, expression: false) is { } parsed)
                {
                    foreach (var name in parsed.ReferencedNames)
                    {
                        if (later.Contains(name) || name == variable.Name)
                        {
                            Error(parsed.PositionOf(name), $"variable '{variable.Name}' uses '{name}', which is defined after it (variables are rendered in order)");
                        }
                        else if (workflow.Conditions.Any(c => c.Name == name) && !_known.Contains(name))
                        {
                            Error(parsed.PositionOf(name), $"variable '{variable.Name}' uses condition '{name}', but conditions are evaluated after variables");
                        }
                        else if (!_known.Contains(name) && !parsed.DefaultedNames.Contains(name))
                        {
                            WarnUndefined(parsed, name);
                        }
                    }
                }

                _known.Add(variable.Name);
            }
        }

        private void CheckNotifications()
        {
            foreach (var channel in workflow.Notifications?.Channels ?? [])
            {
                if (!options.ConfiguredChannels.Contains(channel.Name))
                {
                    var hint = EditDistance.Hint(channel.Name, options.ConfiguredChannels);
                    Warning(channel.Position, $"notification channel '{channel.Name}' is not configured{hint}; its notifications will not be sent");
                }
            }
        }

        // metrics.collectors: 'prometheus' (built in), a run figure, or a channel of Fanout's config; anything else collects
        // nothing — a warning, like an unconfigured notification channel (and a run annotation when the run ends).
        private void CheckCollectors()
        {
            foreach (var collector in workflow.Metrics?.Collectors ?? [])
            {
                if (!IsKnownCollector(collector.Name, options.ConfiguredChannels))
                {
                    var hint = EditDistance.Hint(collector.Name, [PrometheusCollector, .. AlertFigures, .. options.ConfiguredChannels]);
                    Warning(collector.Position, $"metrics collector '{collector.Name}' is neither '{PrometheusCollector}', a run figure nor a channel of Fanout's config{hint}; no metrics will be sent to it (define it under notifications.channels in the config)");
                }
            }
        }

        private void CheckRecovery()
        {
            CheckUnique(workflow.Actions.Select(a => (a.Name, a.Position)), "action");
            foreach (var action in workflow.Actions)
            {
                CheckStep(action, workflow.CircuitBreakers.Select(b => b.Name).ToList());
                CheckList(action.Steps, []);
            }

            if (workflow.Recovery is not { } recovery)
            {
                return;
            }

            CheckUnique(recovery.Strategies.Select(s => (s.Name, s.Position)), "recovery strategy");
            var conditions = workflow.Conditions.Select(c => c.Name).ToList();
            var actions = workflow.Actions.Select(a => a.Name).Concat(options.ConfiguredActions).ToList();
            foreach (var strategy in recovery.Strategies)
            {
                foreach (var c in strategy.Conditions.Where(c => !RecoveryPolicy.BuiltInConditions.Contains(c.Name) && !conditions.Contains(c.Name)))
                {
                    Warning(c.Position, $"recovery strategy '{strategy.Name}': condition '{c.Name}' is neither a failure class (any, deployment_timeout, health_check_failed) nor a condition in 'conditions:'{EditDistance.Hint(c.Name, [.. RecoveryPolicy.BuiltInConditions, .. conditions])}; it can never hold");
                }

                foreach (var a in strategy.Actions.Where(a => !actions.Contains(a.Name)))
                {
                    Warning(a.Position, $"recovery strategy '{strategy.Name}': action '{a.Name}' is defined neither in the workflow's 'actions:' nor in Fanout's config{EditDistance.Hint(a.Name, actions)}; when the strategy fires it is recorded as a degradation and nothing runs");
                }
            }
        }

        private void CheckMonitoring()
        {
            if (workflow.Monitoring is not { } monitoring)
            {
                return;
            }

            var custom = workflow.Metrics?.CustomMetrics.Select(m => m.Name).ToList() ?? [];
            var known = AlertFigures.Concat(custom).ToList();
            foreach (var metric in monitoring.Metrics.Where(m => !known.Contains(m.Name)))
            {
                Error(metric.Position, $"unknown metric '{metric.Name}' in monitoring.metrics{EditDistance.Hint(metric.Name, known)}; use a run figure ({string.Join(", ", AlertFigures)}) or a name from metrics.custom_metrics");
            }

            if (monitoring.MetricsCollection is { } collect && workflow.Metrics is { } metrics && metrics.Enabled != collect)
            {
                Error(monitoring.Position, $"monitoring.metrics_collection is {(collect ? "true" : "false")} but metrics.enabled is {(metrics.Enabled ? "true" : "false")}; they are the same switch — set one");
            }

            if (monitoring.LogAggregation && !options.LogAggregationConfigured)
            {
                Warning(monitoring.Position, "monitoring.log_aggregation is on but Fanout's config names no sink (log_aggregation: {path: FILE}); the step logs will not be aggregated");
            }
        }

        private void CheckExpression(TemplateText? text, IReadOnlyList<string>? extra = null) => CheckText(text, expression: true, extra);

        private void CheckTemplate(TemplateText? text, IReadOnlyList<string>? extra = null) => CheckText(text, expression: false, extra);

        private void CheckText(TemplateText? text, bool expression, IReadOnlyList<string>? extra, bool bareNames = false)
        {
            if (text is null || Parse(text, expression, bareNames) is not { } parsed)
            {
                return;
            }

            foreach (var name in parsed.ReferencedNames)
            {
                if (!_known.Contains(name) && extra?.Contains(name) != true && !parsed.DefaultedNames.Contains(name))
                {
                    WarnUndefined(parsed, name);
                }
            }
        }

        private void WarnUndefined(Template parsed, string name) =>
            Warning(parsed.PositionOf(name), name is "environment" or "env"
                ? $"'{name}' is not a declared parameter; it must be given with -e ENV, or plan and run stop with an error (declare it with a default to make it optional)"
                : $"'{name}' is not a declared parameter, variable or condition{EditDistance.Hint(name, _known)}; it must be given with --set or -e, or plan and run stop with an error");

        private Template? Parse(TemplateText text, bool expression, bool bareNames = false)
        {
            var result = expression ? Template.ParseExpression(text.Text, text.Origin, bareNames) : Template.Parse(text.Text, text.Origin);
            if (result.Error is { } error)
            {
                Diagnostics.Add(error with { Message = "template: " + error.Message });
            }

            return result.Template;
        }

        private static bool IsIdentifier(string name) => IdentifierRegex().IsMatch(name);

        [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
        private static partial Regex IdentifierRegex();
    }
}
