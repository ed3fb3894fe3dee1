using System.Globalization;
using System.Text;
using System.Text.Json;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Runs;
using Fanout.Selection;
using Fanout.Server.Http;

namespace Fanout.Server.Batches;

/// <summary>
/// Turns a <see cref="BatchRequest"/> into a <see cref="BatchPlan"/> (SPEC A1), collecting every problem with the field it
/// concerns: node ids and group ids must exist (unknown ones are listed), groups expand to their members, the union with
/// the selector's matches is deduplicated in inventory order and bounded by <see cref="ServerOptions.MaxTargetsPerBatch"/>.
/// Nothing here runs anything.
/// </summary>
internal static class BatchPlanner
{
    private static readonly string[] ActionTypes = ["command", "script", "sync", "task", "instance", "noop", "workflow"];

    /// <summary>The built-in task names <c>action.type = task</c> accepts: the lifecycle actions of the targets' providers (SPEC L1).</summary>
    public static IReadOnlyList<string> Tasks { get; } = ["start", "stop", "restart", "status"];

    public static BatchPlan? Plan(BatchRequest request, Fanout.Inventory.Inventory inventory, ServerOptions server, IReadOnlyList<string> sources,
        Problems.ErrorSet errors, out IReadOnlyList<string> unknownNodes, out IReadOnlyList<string> unknownGroups)
    {
        unknownNodes = [];
        unknownGroups = [];
        (IOperation? operation, string actionType, string summary) = PlanAction(request.Action, inventory, server, errors);
        ExecutionOptions? options = PlanOptions(request.Options, errors);
        operation = PlanRollback(operation, options, request.Options, server, errors);
        IReadOnlyDictionary<string, string>? labels = PlanWorkerLabels(request.Options?.WorkerLabels, errors);

        var names = new HashSet<string>(StringComparer.Ordinal);
        bool anySource = false;
        if (request.TargetNodeIds is { } nodes)
        {
            anySource = true;
            if (nodes.Count > server.MaxTargetsPerBatch)
            {
                // Ids per request are bounded like targets: a huge list is refused before anything looks it up.
                errors.Add("targetNodeIds", $"{nodes.Count} node ids; at most {server.MaxTargetsPerBatch} are allowed per request");
                return null;
            }

            unknownNodes = [.. nodes.Where(n => inventory.FindTarget(n) is null).Distinct(StringComparer.Ordinal)];
            if (unknownNodes.Count > 0)
            {
                errors.Add("targetNodeIds", $"unknown node ids: {Listed(unknownNodes)}");
            }

            names.UnionWith(nodes);
        }

        if (request.TargetGroupIds is { } groups)
        {
            anySource = true;
            if (groups.Count > server.MaxTargetsPerBatch)
            {
                errors.Add("targetGroupIds", $"{groups.Count} group ids; at most {server.MaxTargetsPerBatch} are allowed per request");
                return null;
            }

            unknownGroups = [.. groups.Where(g => inventory.FindGroup(g) is null).Distinct(StringComparer.Ordinal)];
            if (unknownGroups.Count > 0)
            {
                errors.Add("targetGroupIds", $"unknown group ids: {Listed(unknownGroups)}");
            }

            foreach (string g in groups.Where(g => inventory.FindGroup(g) is not null))
            {
                names.UnionWith(inventory.GetGroupTargets(g).Select(t => t.Name));
            }
        }

        if (request.Selector is { } selector)
        {
            anySource = true;
            SelectionCriteria criteria = ToCriteria(selector);
            if (criteria.IsEmpty)
            {
                errors.Add("selector", "the selector selects nothing: give tags, patterns, regexes, groups, limit or all: true");
            }
            else
            {
                try
                {
                    names.UnionWith(Selector.Select(inventory, criteria).Select(t => t.Name));
                }
                catch (SelectionException e)
                {
                    errors.Add("selector", e.Message);
                }
            }
        }

        if (!anySource)
        {
            errors.Add("targetNodeIds", "no targets: give targetNodeIds, targetGroupIds or selector");
        }

        var targets = inventory.Targets.Where(t => names.Contains(t.Name)).ToList();
        if (anySource && !errors.Any && targets.Count == 0)
        {
            errors.Add("targets", "the request selects no targets; nothing was run");
        }

        if (operation is LifecycleOperation lifecycle)
        {
            foreach (Target target in targets)
            {
                if (lifecycle.Validate(target) is { } problem)
                {
                    errors.Add("action.value", $"task '{lifecycle.Name}': {problem}");
                }
            }
        }

        if (targets.Count > server.MaxTargetsPerBatch)
        {
            errors.Add("targets", $"the request selects {targets.Count} targets; at most {server.MaxTargetsPerBatch} are allowed per batch");
        }

        if (errors.Any || operation is null || options is null)
        {
            return null;
        }

        // The exact target list, stored as a list, so resume and retry find the same targets again in the inventory.
        RunDefinition? definition = RunDefinition.Describe(operation, sources, new SelectionCriteria(), options) is { } d
            ? d with { Targets = [.. targets.Select(t => t.Name)], WorkerLabels = labels }
            : null;
        if (labels is not null && (definition is null || options.Atomic))
        {
            // Such runs stay in the coordinating server (docs/scale-out.md): asking for workers there is refused, never ignored.
            errors.Add("options.workerLabels", definition is null
                ? $"a {actionType} action runs in the server, not on workers: remove options.workerLabels"
                : "an atomic run runs in the server (its rollback must run where its target ran), not on workers: remove options.workerLabels");
            return null;
        }

        return new BatchPlan(targets, operation, options, definition, actionType, summary);
    }

    /// <summary>The most unknown ids a 400 lists (the <c>unknownNodeIds</c>/<c>unknownGroupIds</c> extensions as well); the rest are counted.</summary>
    public const int MaxListedIds = 100;

    /// <summary>The largest per-target timeout (a .NET timer cannot wait longer than about 49.7 days).</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(30);

    /// <summary>The first <see cref="MaxListedIds"/> ids, comma-separated, and how many more there are.</summary>
    public static string Listed(IReadOnlyList<string> ids) =>
        ids.Count <= MaxListedIds ? string.Join(", ", ids) : $"{string.Join(", ", ids.Take(MaxListedIds))} and {ids.Count - MaxListedIds} more";

    public static SelectionCriteria ToCriteria(SelectorRequest s) => new()
    {
        Tags = s.Tags ?? [],
        Patterns = s.Patterns ?? [],
        Regexes = s.Regexes ?? [],
        Groups = s.Groups ?? [],
        Limit = s.Limit,
        All = s.All ?? false,
        Excludes = s.Excludes ?? [],
    };

    private static (IOperation?, string, string) PlanAction(ActionRequest? action, Fanout.Inventory.Inventory inventory, ServerOptions server, Problems.ErrorSet errors)
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
    private static IOperation? PlanRollback(IOperation? operation, ExecutionOptions? options, BatchOptionsRequest? o, ServerOptions server, Problems.ErrorSet errors)
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

    private static ExecutionOptions? PlanOptions(BatchOptionsRequest? o, Problems.ErrorSet errors)
    {
        var options = new ExecutionOptions();
        if (o is null)
        {
            return options;
        }

        bool ok = true;
        if (o.Parallel is { } parallel)
        {
            ok &= Check(parallel >= 1, "options.parallel", $"options.parallel must be at least 1 (got {parallel})");
            options = options with { MaxConcurrency = parallel };
        }

        if (o.BatchSize is { } batch)
        {
            string text = batch.ValueKind switch
            {
                JsonValueKind.Number => batch.GetRawText(),
                JsonValueKind.String => batch.GetString()!,
                JsonValueKind.Array when batch.GetArrayLength() > 0 && batch.EnumerateArray().All(e => e.ValueKind is JsonValueKind.Number or JsonValueKind.String) =>
                    string.Join(',', batch.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText())),
                _ => batch.GetRawText(),
            };
            try
            {
                options = options with { BatchSizes = [.. text.Split(',', StringSplitOptions.TrimEntries).Select(WaveSize.Parse)] };
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
            {
                ok = Check(false, "options.batchSize", $"options.batchSize '{text}' is not a size: use N, N% or a list such as \"1,5,25%\"");
            }
        }

        if (o.Timeout is { } timeout)
        {
            bool parsed = JsonDuration.TryParsePositive(timeout, out TimeSpan value);
            ok &= Check(parsed, "options.timeout", $"options.timeout '{timeout.GetRawText()}' is not a positive duration: use seconds (30) or a duration (\"30s\", \"5m\")");
            if (parsed && value > MaxTimeout)
            {
                ok = Check(false, "options.timeout", $"options.timeout '{timeout.GetRawText()}' is longer than the largest timeout, {MaxTimeout.TotalDays:0}d");
                parsed = false;
            }

            options = options with { Timeout = parsed ? value : options.Timeout };
        }

        if (o.Retries is { } retries)
        {
            ok &= Check(retries is >= 0 and <= 100, "options.retries", $"options.retries must be between 0 and 100 (got {retries})");
            options = options with { Retries = retries };
        }

        switch (o.FailurePolicy)
        {
            case null or "continue": break;
            case "fail-fast": options = options with { FailFast = true }; break;
            case "atomic": options = options with { Atomic = true }; break;
            default:
                ok = Check(false, "options.failurePolicy", $"unknown failure policy '{o.FailurePolicy}': expected continue, fail-fast or atomic");
                break;
        }

        if (o.MaxFailPercent is { } percent)
        {
            ok &= Check(percent is >= 0 and <= 100, "options.maxFailPercent", $"options.maxFailPercent must be between 0 and 100 (got {percent.ToString(CultureInfo.InvariantCulture)})");
            options = options with { MaxFailPercent = percent };
        }

        if (o.BatchWait is { } wait)
        {
            ok &= Delay(wait, "options.batchWait", "a pause between waves", out TimeSpan value, allowZero: true);
            options = options with { BatchWait = value };
        }

        if (o.OverallTimeout is { } overall)
        {
            if (Delay(overall, "options.overallTimeout", "a time limit for the whole run", out TimeSpan value, allowZero: false))
            {
                options = options with { OverallTimeout = value };
            }
            else
            {
                ok = false;
            }
        }

        if (o.RetryDelay is { } retryDelay)
        {
            ok &= Delay(retryDelay, "options.retryDelay", "a delay before a retry", out TimeSpan value, allowZero: true);
            options = options with { RetryDelay = value };
        }

        switch (o.Backoff)
        {
            case null: break;
            case "fixed": options = options with { Backoff = Backoff.Fixed }; break;
            case "linear": options = options with { Backoff = Backoff.Linear }; break;
            case "exponential": options = options with { Backoff = Backoff.Exponential }; break;
            default:
                ok = Check(false, "options.backoff", $"unknown backoff '{o.Backoff}': expected fixed, linear or exponential");
                break;
        }

        if (o.Jitter is { } jitter)
        {
            options = options with { Jitter = jitter };
        }

        if (o.RetryOnExitCodes is { } codes)
        {
            int[] bad = [.. codes.Where(c => c is < 0 or > 255)];
            ok &= Check(bad.Length == 0, "options.retryOnExitCodes", $"options.retryOnExitCodes: {string.Join(", ", bad.Select(c => c.ToString(CultureInfo.InvariantCulture)))} {(bad.Length == 1 ? "is not an exit code" : "are not exit codes")} (0–255)");
            options = options with { RetryOnExitCodes = codes.ToHashSet() };
        }

        if (ok)
        {
            foreach (string problem in options.Validate())
            {
                ok = Check(false, "options", problem);
            }
        }

        return ok ? options : null;

        // A duration field: seconds or a duration, not negative (not zero unless allowed), at most MaxTimeout.
        bool Delay(JsonElement element, string field, string what, out TimeSpan value, bool allowZero)
        {
            bool parsed = allowZero ? JsonDuration.TryParse(element, out value) : JsonDuration.TryParsePositive(element, out value);
            if (!parsed)
            {
                return Check(false, field, $"{field} '{Shown(element)}' is not {(allowZero ? "a duration" : "a positive duration")} ({what}): use seconds (30) or a duration (\"30s\", \"5m\")");
            }

            return Check(value <= MaxTimeout, field, $"{field} '{Shown(element)}' is longer than {MaxTimeout.TotalDays:0}d");
        }

        static string Shown(JsonElement element) => element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();

        bool Check(bool condition, string field, string message)
        {
            if (!condition)
            {
                errors.Add(field, message);
            }

            return condition;
        }
    }

    private static IReadOnlyDictionary<string, string>? PlanWorkerLabels(Dictionary<string, string>? labels, Problems.ErrorSet errors)
    {
        if (labels is null)
        {
            return null;
        }

        if (labels.Count == 0)
        {
            errors.Add("options.workerLabels", "options.workerLabels is empty: give labels such as {\"zone\": \"dmz\"}, or leave it out to run on any worker");
            return null;
        }

        bool ok = true;
        foreach ((string key, string value) in labels)
        {
            if (WorkerLabels.Problem(key, value ?? string.Empty) is { } problem)
            {
                errors.Add("options.workerLabels", problem);
                ok = false;
            }
        }

        return ok ? new SortedDictionary<string, string>(labels, StringComparer.Ordinal) : null;
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
