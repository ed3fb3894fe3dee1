using Fanout.Diagnostics;
using Fanout.Workflows.Model;
using YamlDotNet.RepresentationModel;

namespace Fanout.Workflows.Parsing;

internal sealed partial class WorkflowReader
{
    private static readonly string[] LimitFields = ["max_parallel", "memory_limit", "cpu_limit"];
    private static readonly string[] ErrorHandlingFields = ["strategy", "max_retries", "retry_delay"];
    private static readonly string[] PostExecutionFields = ["success", "failure"];
    private static readonly string[] RollbackFields = ["enabled", "automatic", "conditions", "steps"];
    private static readonly string[] BreakerFields = ["failure_threshold", "recovery_timeout", "fallback"];
    private static readonly string[] NotificationFields = ["channels", "events"];
    private static readonly string[] ApprovalFields = ["distinct_approver"];
    private static readonly string[] MetricsFields = ["enabled", "collectors", "custom_metrics"];
    private static readonly string[] CustomMetricFields = ["name", "type", "description", "value"];
    private static readonly string[] MonitoringFields = ["alerts", "metrics", "health_checks", "metrics_collection", "log_aggregation", "alert_on_failure"];
    private static readonly string[] RecoveryFields = ["enabled", "strategies"];
    private static readonly string[] StrategyFields = ["name", "conditions", "actions", "enabled"];
    private static readonly string[] AlertFields = ["condition", "severity", "message"];

    private ResourceLimits? ReadResourceLimits(YamlNode? node)
    {
        if (yaml.Mapping(node, "resource_limits", LimitFields) is not { } f)
        {
            return null;
        }

        return new ResourceLimits
        {
            MaxParallel = yaml.Int(f["max_parallel"], "max_parallel", 1),
            MemoryLimitBytes = Memory(f["memory_limit"], "memory_limit"),
            CpuLimit = Cpu(f["cpu_limit"], "cpu_limit"),
            Position = yaml.Position(f.Node),
        };
    }

    private ErrorHandling? ReadErrorHandling(YamlNode? node)
    {
        if (yaml.Mapping(node, "error_handling", ErrorHandlingFields) is not { } f)
        {
            return null;
        }

        var handling = new ErrorHandling { Position = yaml.Position(f.Node) };
        if (yaml.String(f["strategy"], "strategy") is { } s)
        {
            string[] known = ["fail_fast", "continue_on_error", "retry"];
            switch (s)
            {
                case "fail_fast": handling = handling with { Strategy = ErrorStrategy.FailFast }; break;
                case "continue_on_error": handling = handling with { Strategy = ErrorStrategy.ContinueOnError }; break;
                case "retry": handling = handling with { Strategy = ErrorStrategy.Retry }; break;
                default:
                    yaml.Error(f["strategy"]!, $"unknown error strategy '{s}'{EditDistance.Hint(s, known)}; use fail_fast, continue_on_error or retry");
                    break;
            }
        }

        if (yaml.Int(f["max_retries"], "max_retries", 0) is { } m)
        {
            handling = handling with { MaxRetries = m };
        }

        if (yaml.Duration(f["retry_delay"], "retry_delay") is { } d)
        {
            handling = handling with { RetryDelay = d };
        }

        return handling;
    }

    private PostExecution? ReadPostExecution(YamlNode? node)
    {
        if (yaml.Mapping(node, "post_execution", PostExecutionFields) is not { } f)
        {
            return null;
        }

        return new PostExecution
        {
            Success = ReadSteps(f["success"], "success"),
            Failure = ReadSteps(f["failure"], "failure"),
            Position = yaml.Position(f.Node),
        };
    }

    private RollbackPolicy? ReadRollback(YamlNode? node)
    {
        if (yaml.Mapping(node, "rollback", RollbackFields) is not { } f)
        {
            return null;
        }

        var conditions = yaml.Names(f["conditions"], "conditions");
        foreach (var c in conditions.Where(c => !RollbackPolicy.KnownConditions.Contains(c.Name)))
        {
            yaml.Diagnostics.Add(Diagnostic.Error(c.Position, $"unknown rollback condition '{c.Name}'{EditDistance.Hint(c.Name, RollbackPolicy.KnownConditions)}; use any, deployment_timeout or health_check_failed"));
        }

        return new RollbackPolicy
        {
            Enabled = yaml.Bool(f["enabled"], "enabled") ?? true,
            Automatic = yaml.Bool(f["automatic"], "automatic") ?? true,
            Conditions = conditions.Count > 0 ? conditions.Select(c => c.Name).ToList() : ["any"],
            Steps = ReadSteps(f["steps"], "steps"),
            Position = yaml.Position(f.Node),
        };
    }

    private List<CircuitBreakerDefinition> ReadCircuitBreakers(YamlNode? node)
    {
        var result = new List<CircuitBreakerDefinition>();
        if (YamlReader.IsNull(node))
        {
            return result;
        }

        if (node is not YamlMappingNode map)
        {
            yaml.Error(node!, "'circuit_breakers' must be a mapping of NAME: settings");
            return result;
        }

        foreach (var (key, value) in map.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? string.Empty;
            var f = yaml.Mapping(value, $"circuit breaker '{name}'", BreakerFields);
            var breaker = new CircuitBreakerDefinition { Name = name, Position = yaml.Position(key) };
            if (f is not null)
            {
                breaker = breaker with
                {
                    FailureThreshold = yaml.Int(f["failure_threshold"], "failure_threshold", 1) ?? 5,
                    RecoveryTimeout = yaml.Duration(f["recovery_timeout"], "recovery_timeout") ?? TimeSpan.FromSeconds(60),
                    Fallback = yaml.Names(f["fallback"], "fallback").Select(n => n.Name).ToList(),
                };
            }

            result.Add(breaker);
        }

        return result;
    }

    private ApprovalSettings? ReadApproval(YamlNode? node) =>
        yaml.Mapping(node, "approval", ApprovalFields) is not { } f
            ? null
            : new ApprovalSettings { DistinctApprover = yaml.Bool(f["distinct_approver"], "distinct_approver") ?? false, Position = yaml.Position(f.Node) };

    private NotificationSettings? ReadNotifications(YamlNode? node)
    {
        if (yaml.Mapping(node, "notifications", NotificationFields) is not { } f)
        {
            return null;
        }

        var events = yaml.Names(f["events"], "events");
        foreach (var e in events.Where(e => !NotificationSettings.KnownEvents.Contains(e.Name)))
        {
            yaml.Diagnostics.Add(Diagnostic.Error(e.Position, $"unknown notification event '{e.Name}'{EditDistance.Hint(e.Name, NotificationSettings.KnownEvents)}; use started, completed, failed or requires_approval"));
        }

        return new NotificationSettings
        {
            Channels = yaml.Names(f["channels"], "channels"),
            Events = f.Has("events") ? events.Select(e => e.Name).ToList() : NotificationSettings.KnownEvents,
            Position = yaml.Position(f.Node),
        };
    }

    private MetricsSettings? ReadMetrics(YamlNode? node)
    {
        if (yaml.Mapping(node, "metrics", MetricsFields) is not { } f)
        {
            return null;
        }

        var custom = new List<CustomMetric>();
        foreach (var item in yaml.Sequence(f["custom_metrics"], "custom_metrics"))
        {
            if (yaml.Mapping(item, "a custom metric", CustomMetricFields) is not { } m)
            {
                continue;
            }

            var type = yaml.String(m["type"], "type") ?? "gauge";
            if (!CustomMetric.KnownTypes.Contains(type))
            {
                yaml.Error(m["type"]!, $"unknown metric type '{type}'{EditDistance.Hint(type, CustomMetric.KnownTypes)}; use counter, gauge or histogram");
            }

            custom.Add(new CustomMetric
            {
                Name = RequireName(m, "a custom metric"),
                Type = type,
                Description = yaml.String(m["description"], "description"),
                Value = yaml.Text(m["value"], "value"),
                Position = yaml.Position(item),
            });
        }

        return new MetricsSettings
        {
            Enabled = yaml.Bool(f["enabled"], "enabled") ?? true,
            Collectors = yaml.Names(f["collectors"], "collectors").ToList(),
            CustomMetrics = custom,
            Position = yaml.Position(f.Node),
        };
    }

    private RecoveryPolicy? ReadRecovery(YamlNode? node)
    {
        if (yaml.Mapping(node, "recovery", RecoveryFields) is not { } f)
        {
            return null;
        }

        var strategies = new List<RecoveryStrategy>();
        foreach (var item in yaml.Sequence(f["strategies"], "strategies"))
        {
            if (yaml.Mapping(item, "a recovery strategy", StrategyFields) is not { } s)
            {
                continue;
            }

            var name = RequireName(s, "a recovery strategy");
            var conditions = yaml.Names(s["conditions"], "conditions");
            var actions = yaml.Names(s["actions"], "actions");
            if (conditions.Count == 0)
            {
                yaml.Error(item, $"recovery strategy '{name}' needs 'conditions' (a failure class such as any, deployment_timeout or health_check_failed, or a condition name)");
            }

            if (actions.Count == 0)
            {
                yaml.Error(item, $"recovery strategy '{name}' needs 'actions' (names from the workflow's 'actions:' map)");
            }

            strategies.Add(new RecoveryStrategy
            {
                Name = name,
                Conditions = conditions,
                Actions = actions,
                Enabled = yaml.Bool(s["enabled"], "enabled") ?? true,
                Position = yaml.Position(item),
            });
        }

        return new RecoveryPolicy { Enabled = yaml.Bool(f["enabled"], "enabled") ?? true, Strategies = strategies, Position = yaml.Position(f.Node) };
    }

    private List<WorkflowStep> ReadActions(YamlNode? node)
    {
        var result = new List<WorkflowStep>();
        if (YamlReader.IsNull(node))
        {
            return result;
        }

        if (node is not YamlMappingNode map)
        {
            yaml.Error(node!, "'actions' must be a mapping of NAME: {command: …} (or NAME: \"command\")");
            return result;
        }

        foreach (var (key, value) in map.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? string.Empty;
            if (value is YamlScalarNode scalar && !YamlReader.IsNull(scalar))
            {
                result.Add(new WorkflowStep { Name = name, Command = yaml.Text(scalar, "command"), Position = yaml.Position(key) });
            }
            else if (ReadStep(value, name) is { } step)
            {
                result.Add(step with { Name = step.NameDerived ? name : step.Name, NameDerived = false });
            }
        }

        return result;
    }

    private (MonitoringSettings? Settings, List<MonitoringAlert> Alerts) ReadMonitoring(YamlNode? node)
    {
        var result = new List<MonitoringAlert>();
        if (yaml.Mapping(node, "monitoring", MonitoringFields) is not { } f)
        {
            return (null, result);
        }

        var settings = new MonitoringSettings
        {
            Metrics = yaml.Names(f["metrics"], "metrics"),
            HealthChecks = yaml.Bool(f["health_checks"], "health_checks") ?? false,
            MetricsCollection = yaml.Bool(f["metrics_collection"], "metrics_collection"),
            LogAggregation = yaml.Bool(f["log_aggregation"], "log_aggregation") ?? false,
            AlertOnFailure = yaml.Bool(f["alert_on_failure"], "alert_on_failure") ?? false,
            Position = yaml.Position(f.Node),
        };

        foreach (var item in yaml.Sequence(f["alerts"], "alerts"))
        {
            if (yaml.Mapping(item, "an alert", AlertFields) is not { } a)
            {
                continue;
            }

            var condition = yaml.Text(a["condition"], "condition");
            if (condition is null)
            {
                yaml.Error(item, "an alert is missing 'condition'");
                continue;
            }

            var severity = yaml.String(a["severity"], "severity") ?? "warning";
            if (!MonitoringAlert.KnownSeverities.Contains(severity))
            {
                yaml.Error(a["severity"]!, $"unknown severity '{severity}'{EditDistance.Hint(severity, MonitoringAlert.KnownSeverities)}; use info, warning or critical");
            }

            result.Add(new MonitoringAlert { Condition = condition, Severity = severity, Message = yaml.Text(a["message"], "message"), Position = yaml.Position(item) });
        }

        return (settings, result);
    }
}
