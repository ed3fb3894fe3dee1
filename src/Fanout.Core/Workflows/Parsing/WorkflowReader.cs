using Fanout.Workflows.Model;
using YamlDotNet.RepresentationModel;

namespace Fanout.Workflows.Parsing;

/// <summary>Turns a YAML document into a <see cref="WorkflowDefinition"/>, recording every problem found on the way.</summary>
internal sealed partial class WorkflowReader(YamlReader yaml)
{
    private static readonly string[] TopFields =
    [
        "name", "description", "version", "author", "documentation", "parameters", "variables", "conditions", "validation",
        "prerequisites", "steps", "resource_limits", "error_handling", "on_success", "on_failure", "post_execution", "rollback",
        "circuit_breakers", "notifications", "metrics", "monitoring", "approval", "recovery", "actions",
    ];

    private static readonly string[] ParameterFields = ["name", "description", "type", "default", "required", "secret", "validation"];
    private static readonly string[] ParameterValidationFields = ["pattern", "min_items", "max_items", "min", "max", "allowed"];
    private static readonly string[] ConditionFields = ["name", "expression"];
    private static readonly string[] ValidationFields = ["name", "expression", "message"];
    private static readonly string[] PrerequisiteFields = ["name", "command"];

    public WorkflowDefinition? Read(YamlNode root, string defaultName)
    {
        var f = yaml.Mapping(root, "the workflow", TopFields);
        if (f is null)
        {
            return null;
        }

        if (!f.Has("steps"))
        {
            yaml.Error(root, "the workflow has no 'steps'");
        }

        var (monitoring, alerts) = ReadMonitoring(f["monitoring"]);
        return new WorkflowDefinition
        {
            File = yaml.File,
            Name = yaml.String(f["name"], "name") ?? defaultName,
            Description = yaml.String(f["description"], "description"),
            Version = yaml.String(f["version"], "version"),
            Author = yaml.String(f["author"], "author"),
            Documentation = yaml.String(f["documentation"], "documentation"),
            Parameters = yaml.Sequence(f["parameters"], "parameters").Select(ReadParameter).OfType<WorkflowParameter>().ToList(),
            Variables = ReadVariables(f["variables"]),
            Conditions = yaml.Sequence(f["conditions"], "conditions").Select(ReadCondition).OfType<WorkflowCondition>().ToList(),
            Validation = yaml.Sequence(f["validation"], "validation").Select(ReadValidation).OfType<ValidationRule>().ToList(),
            Prerequisites = yaml.Sequence(f["prerequisites"], "prerequisites").Select(ReadPrerequisite).OfType<Prerequisite>().ToList(),
            Steps = ReadSteps(f["steps"], "steps"),
            ResourceLimits = ReadResourceLimits(f["resource_limits"]),
            ErrorHandling = ReadErrorHandling(f["error_handling"]),
            OnSuccess = ReadSteps(f["on_success"], "on_success"),
            OnFailure = ReadSteps(f["on_failure"], "on_failure"),
            PostExecution = ReadPostExecution(f["post_execution"]),
            Rollback = ReadRollback(f["rollback"]),
            CircuitBreakers = ReadCircuitBreakers(f["circuit_breakers"]),
            Notifications = ReadNotifications(f["notifications"]),
            Approval = ReadApproval(f["approval"]),
            Metrics = ReadMetrics(f["metrics"]),
            Alerts = alerts,
            Monitoring = monitoring,
            Recovery = ReadRecovery(f["recovery"]),
            Actions = ReadActions(f["actions"]),
            Position = yaml.Position(root),
        };
    }

    private string RequireName(MappingFields f, string what)
    {
        var name = yaml.String(f["name"], "name");
        if (string.IsNullOrWhiteSpace(name))
        {
            yaml.Error(f.Node, $"{what} is missing 'name'");
            return string.Empty;
        }

        return name;
    }

    private WorkflowParameter? ReadParameter(YamlNode node)
    {
        var f = yaml.Mapping(node, "a parameter", ParameterFields);
        if (f is null)
        {
            return null;
        }

        var type = ParameterType.String;
        if (yaml.String(f["type"], "type") is { } typeName)
        {
            switch (typeName)
            {
                case "string": type = ParameterType.String; break;
                case "number": type = ParameterType.Number; break;
                case "boolean": type = ParameterType.Boolean; break;
                case "list" or "array": type = ParameterType.List; break;
                case "object": type = ParameterType.Object; break;
                default:
                    yaml.Error(f["type"]!, $"unknown parameter type '{typeName}'{Diagnostics.EditDistance.Hint(typeName, ["string", "number", "boolean", "list", "array", "object"])}; use string, number, boolean, list, array or object");
                    break;
            }
        }

        ParameterValidation? validation = null;
        if (yaml.Mapping(f["validation"], "a parameter's validation", ParameterValidationFields) is { } v)
        {
            validation = new ParameterValidation
            {
                Pattern = yaml.String(v["pattern"], "pattern"),
                MinItems = yaml.Int(v["min_items"], "min_items", 0),
                MaxItems = yaml.Int(v["max_items"], "max_items", 0),
                Min = yaml.Number(v["min"], "min"),
                Max = yaml.Number(v["max"], "max"),
                Allowed = v.Has("allowed") ? yaml.Sequence(v["allowed"], "allowed").Select(yaml.Value).ToList() : null,
                Position = yaml.Position(v.Node),
            };
        }

        return new WorkflowParameter
        {
            Name = RequireName(f, "a parameter"),
            Description = yaml.String(f["description"], "description"),
            Type = type,
            Default = yaml.Value(f["default"]),
            HasDefault = f.Has("default"),
            Required = yaml.Bool(f["required"], "required") ?? false,
            Secret = yaml.Bool(f["secret"], "secret") ?? false,
            Validation = validation,
            Position = yaml.Position(node),
        };
    }

    private List<WorkflowVariable> ReadVariables(YamlNode? node)
    {
        var result = new List<WorkflowVariable>();
        if (YamlReader.IsNull(node))
        {
            return result;
        }

        if (node is not YamlMappingNode map)
        {
            yaml.Error(node!, "'variables' must be a mapping of name: value");
            return result;
        }

        foreach (var (key, value) in map.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? string.Empty;
            var isString = value is YamlScalarNode s && yaml.Value(s) is string;
            result.Add(new WorkflowVariable
            {
                Name = name,
                Template = isString ? yaml.Text(value, name) : null,
                Literal = isString ? null : yaml.Value(value),
                Position = yaml.Position(key),
            });
        }

        return result;
    }

    private WorkflowCondition? ReadCondition(YamlNode node)
    {
        var f = yaml.Mapping(node, "a condition", ConditionFields);
        if (f is null)
        {
            return null;
        }

        var name = RequireName(f, "a condition");
        var expression = yaml.Text(f["expression"], "expression");
        if (expression is null)
        {
            yaml.Error(node, $"condition '{name}' is missing 'expression'");
            return null;
        }

        return new WorkflowCondition { Name = name, Expression = expression, Position = yaml.Position(node) };
    }

    private ValidationRule? ReadValidation(YamlNode node)
    {
        var f = yaml.Mapping(node, "a validation rule", ValidationFields);
        if (f is null)
        {
            return null;
        }

        var name = RequireName(f, "a validation rule");
        var expression = yaml.Text(f["expression"], "expression");
        if (expression is null)
        {
            yaml.Error(node, $"validation rule '{name}' is missing 'expression'");
            return null;
        }

        return new ValidationRule { Name = name, Expression = expression, Message = yaml.Text(f["message"], "message"), Position = yaml.Position(node) };
    }

    private Prerequisite? ReadPrerequisite(YamlNode node)
    {
        var f = yaml.Mapping(node, "a prerequisite", PrerequisiteFields);
        if (f is null)
        {
            return null;
        }

        var name = RequireName(f, "a prerequisite");
        var command = yaml.Text(f["command"], "command");
        if (command is null)
        {
            yaml.Error(node, $"prerequisite '{name}' is missing 'command'");
            return null;
        }

        return new Prerequisite { Name = name, Command = command, Position = yaml.Position(node) };
    }
}
