using System.Text;
using System.Text.Json;
using Fanout.Execution;
using Fanout.Operations;
using Fanout.Runs;
using Fanout.Server.Http;

namespace Fanout.Server.Batches;

/// <summary>
/// The action of a batch request (<c>action</c>, SPEC A1) as an operation, built exactly as the CLI builds it, every problem reported
/// at the field it concerns (<c>action.type</c>, <c>action.value</c>, <c>action.parameters.NAME</c>); and <c>options.rollback</c>, which
/// wraps the operation.
/// </summary>
internal static class BatchActionPlanner
{
    private static readonly string[] ActionTypes = ["command", "script", "sync", "task", "instance", "noop", "workflow"];

    /// <summary>The built-in task names <c>action.type = task</c> accepts: the lifecycle actions of the targets' providers (SPEC L1).</summary>
    public static IReadOnlyList<string> Tasks { get; } = ["start", "stop", "restart", "status"];

    /// <summary>The operation, the action type and a one-line summary of the action; a null operation when it has problems.</summary>
    public static (IOperation?, string, string) Plan(ActionRequest? action, Fanout.Inventory.Inventory inventory, ServerOptions server, Problems.ErrorSet errors)
    {
        if (action is null)
        {
            errors.Add("action", "an action is required: {\"type\": \"command\", \"value\": \"uptime\"}");
            return (null, string.Empty, string.Empty);
        }

        string type = action.Type ?? string.Empty;
        if (!ActionTypes.Contains(type))
        {
            errors.Add("action.type", action.Type is null ? "action.type is required: command, script, sync, task, instance, noop or workflow" : $"unknown action type '{type}': expected command, script, sync, task, instance, noop or workflow");
            return (null, type, string.Empty);
        }

        if (type == "noop")
        {
            // Does nothing on the targets: nothing to say what, so a value or a parameter is a mistake, not ignored.
            if (action.Value is not null)
            {
                errors.Add("action.value", "a noop action takes no value");
            }

            Unknown(action.Parameters ?? [], [], errors);
            return (RunDefinition.ForNoop().CreateOperation(), type, "noop");
        }

        if (string.IsNullOrWhiteSpace(action.Value))
        {
            errors.Add("action.value", $"action.value is required for a {type} action");
            return (null, type, string.Empty);
        }

        if (type is "command" or "script" && action.Value.Length > server.MaxCommandLength)
        {
            errors.Add("action.value", $"the {type} text has {action.Value.Length} characters; at most {server.MaxCommandLength} are allowed");
            return (null, type, string.Empty);
        }

        Dictionary<string, JsonElement> parameters = action.Parameters ?? [];
        switch (type)
        {
            case "command":
                Unknown(parameters, ["shell"], errors);
                string? shell = StringParameter(parameters, "shell", errors);
                // Parsed exactly as `fanout exec 'COMMAND'` parses it (CommandLines.Parse: a plain program starts directly).
                return (RunDefinition.ForCommandLine(action.Value, shell ?? "sh").CreateOperation(), type, action.Value);
            case "script":
                Unknown(parameters, ["name", "args"], errors);
                string name = StringParameter(parameters, "name", errors) ?? "script.sh";
                if (name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
                {
                    errors.Add("action.parameters.name", $"script name '{name}' must be a plain file name");
                }

                IReadOnlyList<string> args = ListParameter(parameters, "args", errors);
                return (RunDefinition.ForScript(name, Encoding.UTF8.GetBytes(action.Value), args).CreateOperation(), type, $"script {name}");
            case "sync":
                return (PlanSync(action.Value, parameters, server, errors), type, $"sync {action.Value}");
            case "task":
                Unknown(parameters, [], errors);
                if (!Tasks.Contains(action.Value))
                {
                    errors.Add("action.value", $"unknown task '{action.Value}': available tasks are {string.Join(", ", Tasks)}");
                    return (null, type, action.Value);
                }

                return (RunDefinition.ForLifecycle(Enum.Parse<LifecycleAction>(action.Value, ignoreCase: true)).CreateOperation(inventory), type, $"task {action.Value}");
            case "instance":
                return (PlanInstance(action.Value, parameters, errors), type, $"instance {action.Value}");
            default:
                // Workflow batches are run by WorkflowRunService before planning (BatchEndpoints).
                errors.Add("action.type", "workflow actions are not planned as target batches");
                return (null, type, action.Value);
        }
    }

    /// <summary>
    /// A sync (SPEC S3, as <c>fanout sync SRC DEST</c>): <c>value</c> is the source, a file or directory inside the server's workflows
    /// directory (relative to it; a path or link leading outside is refused), read at every run; parameters <c>destination</c>
    /// (absolute, on the targets), <c>delete</c> and <c>excludes</c>.
    /// </summary>
    private static IOperation? PlanSync(string value, Dictionary<string, JsonElement> parameters, ServerOptions server, Problems.ErrorSet errors)
    {
        Unknown(parameters, ["destination", "delete", "excludes"], errors);
        string? destination = StringParameter(parameters, "destination", errors);
        IReadOnlyList<string> excludes = ListParameter(parameters, "excludes", errors);
        bool delete = false;
        if (parameters.TryGetValue("delete", out JsonElement d))
        {
            if (d.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                delete = d.GetBoolean();
            }
            else
            {
                errors.Add("action.parameters.delete", "parameter 'delete' must be true or false");
            }
        }

        if (destination is null)
        {
            errors.Add("action.parameters.destination", "a sync needs parameters.destination: the absolute path on the targets");
        }

        string root = Path.GetFullPath(server.WorkflowsDirectory);
        string source = Path.GetFullPath(Path.Combine(root, value));
        if (value.Contains('\0', StringComparison.Ordinal) || !source.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || (Path.Exists(source) && !ServerPaths.IsInside(root, source)))
        {
            errors.Add("action.value", $"sync source '{value}' is outside the server's workflows directory (sources are files or directories inside it)");
            return null;
        }

        if (!Path.Exists(source))
        {
            errors.Add("action.value", $"no file or directory '{value}' in the server's workflows directory");
            return null;
        }

        if (destination is null)
        {
            return null;
        }

        var sync = new SyncOptions { Source = source, Destination = destination, Delete = delete, Excludes = excludes };
        IReadOnlyList<string> problems = sync.Validate();
        foreach (string problem in problems)
        {
            errors.Add("action.parameters.destination", problem);
        }

        return problems.Count > 0 ? null : RunDefinition.ForSync(sync).CreateOperation();
    }

    /// <summary>An agent-instance action (SPEC I2, docs/instances.md): start, pause, resume, kill, preview, prompt (parameter text) or chain (parameter steps).</summary>
    private static IOperation? PlanInstance(string value, Dictionary<string, JsonElement> parameters, Problems.ErrorSet errors)
    {
        switch (value)
        {
            case "prompt":
                Unknown(parameters, ["text"], errors);
                string? text = StringParameter(parameters, "text", errors);
                if (string.IsNullOrWhiteSpace(text))
                {
                    errors.Add("action.parameters.text", "an instance prompt needs a non-empty parameters.text");
                    return null;
                }

                return Fanout.Instances.InstanceOperation.Prompt(text);
            case "chain":
                Unknown(parameters, ["steps"], errors);
                IReadOnlyList<string> steps = ListParameter(parameters, "steps", errors);
                if (steps.Count == 0)
                {
                    errors.Add("action.parameters.steps", "an instance chain needs parameters.steps, e.g. [\"resume\", \"prompt:Review changes\"]");
                    return null;
                }

                try
                {
                    return new Fanout.Instances.InstanceChain(steps.Select(Fanout.Instances.InstanceOperation.Parse).ToList());
                }
                catch (FormatException e)
                {
                    errors.Add("action.parameters.steps", e.Message);
                    return null;
                }

            case "start" or "pause" or "resume" or "kill" or "preview":
                Unknown(parameters, [], errors);
                return Fanout.Instances.InstanceOperation.Parse(value);
            default:
                errors.Add("action.value", $"unknown instance action '{value}': expected start, prompt, pause, resume, kill, preview or chain");
                return null;
        }
    }

    /// <summary>
    /// <c>options.rollback</c> wraps the operation in its compensating command (as <c>--rollback</c> does); <c>atomic</c> over an
    /// operation with no rollback is refused, as the CLI refuses it, rather than accepted and left to fail every rollback.
    /// </summary>
    public static IOperation? PlanRollback(IOperation? operation, ExecutionOptions? options, BatchOptionsRequest? o, ServerOptions server, Problems.ErrorSet errors)
    {
        if (o?.Rollback is { } rollback)
        {
            if (o.FailurePolicy != "atomic")
            {
                errors.Add("options.rollback", "options.rollback only applies with failurePolicy \"atomic\"");
                return operation;
            }

            if (string.IsNullOrWhiteSpace(rollback))
            {
                errors.Add("options.rollback", "options.rollback needs a command");
                return operation;
            }

            if (rollback.Length > server.MaxCommandLength)
            {
                errors.Add("options.rollback", $"the rollback command has {rollback.Length} characters; at most {server.MaxCommandLength} are allowed");
                return operation;
            }

            return operation is null ? null : new CompensatedOperation(operation, Fanout.Transports.CommandSpec.Sh(rollback));
        }

        if (options is { Atomic: true } && operation is { SupportsRollback: false })
        {
            errors.Add("options.failurePolicy", $"failurePolicy \"atomic\" needs a rollback, and {operation.Name} has none: give the compensating command in options.rollback (run on each succeeded target when any target fails)");
        }

        return operation;
    }

    private static void Unknown(Dictionary<string, JsonElement> parameters, string[] known, Problems.ErrorSet errors)
    {
        foreach (string key in parameters.Keys.Where(k => !known.Contains(k)))
        {
            errors.Add($"action.parameters.{key}", known.Length == 0 ? $"unknown parameter '{key}': this action takes no parameters" : $"unknown parameter '{key}': this action takes {string.Join(", ", known)}");
        }
    }

    private static string? StringParameter(Dictionary<string, JsonElement> parameters, string name, Problems.ErrorSet errors)
    {
        if (!parameters.TryGetValue(name, out JsonElement value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            errors.Add($"action.parameters.{name}", $"parameter '{name}' must be a non-empty string");
            return null;
        }

        return value.GetString();
    }

    private static IReadOnlyList<string> ListParameter(Dictionary<string, JsonElement> parameters, string name, Problems.ErrorSet errors)
    {
        if (!parameters.TryGetValue(name, out JsonElement value))
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
        {
            errors.Add($"action.parameters.{name}", $"parameter '{name}' must be a list of strings");
            return [];
        }

        return [.. value.EnumerateArray().Select(v => v.GetString()!)];
    }
}
