using System.Globalization;
using Fanout.Diagnostics;
using Fanout.Execution;
using Fanout.Workflows.Model;
using YamlDotNet.RepresentationModel;

namespace Fanout.Workflows.Parsing;

internal sealed partial class WorkflowReader
{
    internal static readonly string[] StepFields =
    [
        "name", "description", "command", "script", "shell", "steps", "timeout", "when", "condition", "env", "working_dir",
        "idempotent", "parallel", "parallel_limit", "depends_on", "priority", "resources", "resource_requirements", "retry",
        "continue_on_error", "on_retry", "on_failure", "on_success", "capture_output", "targets", "rollback", "atomic",
        "rollback_on_failure", "circuit_breaker", "fallback_steps", "manual_approval", "dynamic", "metrics",
    ];

    private static readonly string[] RetryFields = ["attempts", "delay", "backoff", "max_delay", "jitter"];
    private static readonly string[] TargetFields = ["tag", "pattern", "group", "exclude", "limit", "batch_size", "parallel", "max_fail_percent"];
    private static readonly string[] ResourceFields = ["memory", "cpu"];
    private static readonly string[] StepMetricFields = ["track_duration", "track_success", "custom_labels"];

    // A step without 'name' (or a bare string, shorthand for a command step) gets a derived name that is stable (it
    // depends only on where the step is written) and unique: OWNER[n] for the n-th child of step OWNER, FIELD[n] in a
    // top-level list or a hook list (steps[2], on_failure[1]).
    private IReadOnlyList<WorkflowStep> ReadSteps(YamlNode? node, string field, string? owner = null)
    {
        var items = yaml.Sequence(node, field);
        var steps = new List<WorkflowStep>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var derived = owner is not null && field == "steps" ? $"{owner}[{i + 1}]" : $"{field}[{i + 1}]";
            if (items[i] is YamlScalarNode scalar && !YamlReader.IsNull(scalar))
            {
                // Shorthand: a bare string in a step list is a command step.
                steps.Add(new WorkflowStep
                {
                    Name = derived,
                    Command = yaml.Text(scalar, "command"),
                    Position = yaml.Position(scalar),
                    NameDerived = true,
                });
                continue;
            }

            if (ReadStep(items[i], derived) is { } step)
            {
                steps.Add(step);
            }
        }

        return steps;
    }

    private WorkflowStep? ReadStep(YamlNode node, string derivedName)
    {
        var f = yaml.Mapping(node, "a step", StepFields);
        if (f is null)
        {
            return null;
        }

        var named = f.Has("name");
        var name = named ? RequireName(f, "a step") : derivedName;
        if (f.Has("when") && f.Has("condition"))
        {
            yaml.Error(f.Key("condition")!, $"step '{name}' has both 'when' and 'condition'; use one");
        }

        if (f.Has("resources") && f.Has("resource_requirements"))
        {
            yaml.Error(f.Key("resource_requirements")!, $"step '{name}' has both 'resources' and 'resource_requirements'; use one");
        }

        var rollbackNode = f["rollback"];
        IReadOnlyList<WorkflowStep> rollback = rollbackNode is YamlScalarNode rs && !YamlReader.IsNull(rs)
            ? [new WorkflowStep { Name = name + ".rollback", Command = yaml.Text(rs, "rollback"), Position = yaml.Position(rs) }]
            : ReadSteps(rollbackNode, "rollback");

        return new WorkflowStep
        {
            Name = name,
            Description = yaml.String(f["description"], "description"),
            Command = yaml.Text(f["command"], "command"),
            Script = yaml.Text(f["script"], "script"),
            Shell = yaml.String(f["shell"], "shell") ?? "sh",
            Steps = ReadSteps(f["steps"], "steps", name),
            IsGroup = f.Has("steps"),
            Timeout = yaml.Duration(f["timeout"], "timeout"),
            When = yaml.Text(f["when"] ?? f["condition"], f.Has("when") ? "when" : "condition"),
            Environment = ReadTemplateMap(f["env"], "env"),
            WorkingDirectory = yaml.Text(f["working_dir"], "working_dir"),
            Idempotent = yaml.Bool(f["idempotent"], "idempotent") ?? false,
            Parallel = yaml.Bool(f["parallel"], "parallel") ?? false,
            ParallelLimit = yaml.Int(f["parallel_limit"], "parallel_limit", 1),
            DependsOn = yaml.Names(f["depends_on"], "depends_on"),
            Priority = yaml.Int(f["priority"], "priority") ?? 0,
            Resources = ReadResources(f["resources"] ?? f["resource_requirements"]),
            Retry = ReadRetry(f["retry"]),
            ContinueOnError = yaml.Bool(f["continue_on_error"], "continue_on_error"),
            OnRetry = ReadSteps(f["on_retry"], "on_retry"),
            OnFailure = ReadSteps(f["on_failure"], "on_failure"),
            OnSuccess = ReadSteps(f["on_success"], "on_success"),
            CaptureOutput = yaml.String(f["capture_output"], "capture_output"),
            Targets = ReadTargets(f["targets"]),
            Rollback = rollback,
            Atomic = (yaml.Bool(f["atomic"], "atomic") ?? false) | (yaml.Bool(f["rollback_on_failure"], "rollback_on_failure") ?? false),
            CircuitBreaker = yaml.String(f["circuit_breaker"], "circuit_breaker") is { } cb ? new NamedReference(cb, yaml.Position(f["circuit_breaker"]!)) : null,
            FallbackSteps = ReadSteps(f["fallback_steps"], "fallback_steps"),
            ManualApproval = yaml.Bool(f["manual_approval"], "manual_approval") ?? false,
            Dynamic = yaml.Bool(f["dynamic"], "dynamic") ?? false,
            Metrics = ReadStepMetrics(f["metrics"]),
            Position = yaml.Position(node),
            NameDerived = !named,
        };
    }

    private Dictionary<string, TemplateText> ReadTemplateMap(YamlNode? node, string field)
    {
        var result = new Dictionary<string, TemplateText>(StringComparer.Ordinal);
        if (YamlReader.IsNull(node))
        {
            return result;
        }

        if (node is not YamlMappingNode map)
        {
            yaml.Error(node!, $"'{field}' must be a mapping of NAME: value");
            return result;
        }

        foreach (var (key, value) in map.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? string.Empty;
            if (value is YamlScalarNode scalar)
            {
                result[name] = new TemplateText(scalar.Value ?? string.Empty, yaml.Origin(scalar));
            }
            else
            {
                yaml.Error(value, $"'{field}.{name}' must be a string, not a {YamlReader.Kind(value)}");
            }
        }

        return result;
    }

    private ResourceRequirements? ReadResources(YamlNode? node)
    {
        if (yaml.Mapping(node, "resources", ResourceFields) is not { } f)
        {
            return null;
        }

        return new ResourceRequirements { MemoryBytes = Memory(f["memory"], "memory"), Cpu = Cpu(f["cpu"], "cpu"), Position = yaml.Position(f.Node) };
    }

    private long? Memory(YamlNode? node, string field)
    {
        var text = yaml.String(node, field);
        if (text is null)
        {
            return null;
        }

        if (ResourceQuantity.TryParseMemory(text, out var bytes))
        {
            return bytes;
        }

        yaml.Error(node!, $"'{field}': invalid memory quantity '{text}' (use e.g. 512Mi, 2Gi, 500M or a number of bytes)");
        return null;
    }

    private double? Cpu(YamlNode? node, string field)
    {
        var text = yaml.String(node, field);
        if (text is null)
        {
            return null;
        }

        if (ResourceQuantity.TryParseCpu(text, out var cores))
        {
            return cores;
        }

        yaml.Error(node!, $"'{field}': invalid CPU quantity '{text}' (use cores like 0.5 or 2, or millicores like 500m)");
        return null;
    }

    private RetryPolicy? ReadRetry(YamlNode? node)
    {
        if (node is YamlScalarNode scalar && !YamlReader.IsNull(scalar))
        {
            return yaml.Int(scalar, "retry", 1) is { } attempts ? new RetryPolicy { Attempts = attempts, Position = yaml.Position(scalar) } : null;
        }

        if (yaml.Mapping(node, "retry", RetryFields) is not { } f)
        {
            return null;
        }

        var backoff = Backoff.Fixed;
        if (yaml.String(f["backoff"], "backoff") is { } b)
        {
            if (!Enum.TryParse(b, ignoreCase: true, out backoff) || !char.IsAsciiLetter(b[0]))
            {
                yaml.Error(f["backoff"]!, $"unknown backoff '{b}'{Diagnostics.EditDistance.Hint(b, ["fixed", "linear", "exponential"])}; use fixed, linear or exponential");
            }
        }

        var policy = new RetryPolicy { Backoff = backoff, Jitter = yaml.Bool(f["jitter"], "jitter") ?? false, MaxDelay = yaml.Duration(f["max_delay"], "max_delay"), Position = yaml.Position(f.Node) };
        if (yaml.Int(f["attempts"], "attempts", 1) is { } a)
        {
            policy = policy with { Attempts = a };
        }

        if (yaml.Duration(f["delay"], "delay") is { } d)
        {
            policy = policy with { Delay = d };
        }

        return policy;
    }

    private StepTargets? ReadTargets(YamlNode? node)
    {
        if (yaml.Mapping(node, "targets", TargetFields) is not { } f)
        {
            return null;
        }

        var waves = new List<WaveSize>();
        foreach (var item in f["batch_size"] is YamlSequenceNode seq ? seq.Children.ToList() : f["batch_size"] is { } one ? [one] : [])
        {
            var text = yaml.String(item, "batch_size");
            if (text is null)
            {
                continue;
            }

            try
            {
                waves.Add(WaveSize.Parse(text));
            }
            catch (FormatException ex)
            {
                yaml.Error(item, $"'batch_size': {ex.Message}");
            }
        }

        if (!f.Has("tag") && !f.Has("pattern") && !f.Has("group"))
        {
            yaml.Error(f.Node, "'targets' needs at least one of 'tag', 'pattern' or 'group'");
        }

        // `exclude:` takes the --exclude language (Ansible patterns: groups, globs, ~regex, unions, & and !), checked here.
        IReadOnlyList<NamedReference> excludes = yaml.Names(f["exclude"], "exclude");
        foreach (NamedReference exclude in excludes)
        {
            foreach (string problem in Fanout.Selection.AnsibleHostPatterns.Validate(exclude.Name, TimeSpan.FromMilliseconds(100), "'exclude'"))
            {
                yaml.Diagnostics.Add(Diagnostic.Error(exclude.Position, problem));
            }
        }

        return new StepTargets
        {
            Tags = yaml.Names(f["tag"], "tag").Select(n => n.Name).ToList(),
            Patterns = yaml.Names(f["pattern"], "pattern").Select(n => n.Name).ToList(),
            Groups = yaml.Names(f["group"], "group").Select(n => n.Name).ToList(),
            Excludes = excludes.Select(n => n.Name).ToList(),
            Limit = yaml.Int(f["limit"], "limit", 1),
            BatchSizes = waves,
            Parallel = yaml.Int(f["parallel"], "parallel", 1),
            MaxFailPercent = yaml.Number(f["max_fail_percent"], "max_fail_percent", 0, 100),
            Position = yaml.Position(f.Node),
        };
    }

    private StepMetrics? ReadStepMetrics(YamlNode? node)
    {
        if (yaml.Mapping(node, "a step's metrics", StepMetricFields) is not { } f)
        {
            return null;
        }

        return new StepMetrics
        {
            TrackDuration = yaml.Bool(f["track_duration"], "track_duration") ?? true,
            TrackSuccess = yaml.Bool(f["track_success"], "track_success") ?? true,
            CustomLabels = ReadTemplateMap(f["custom_labels"], "custom_labels"),
            Position = yaml.Position(f.Node),
        };
    }

}
