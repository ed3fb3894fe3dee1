using System.Collections.Concurrent;
using Fanout.Expressions;
using Fanout.Inventory;
using Fanout.Workflows.Model;
using Fanout.Workflows.Parameters;

namespace Fanout.Workflows.Engine;

/// <summary>
/// What the templates of one run see (SPEC W6, W7): parameters, variables and conditions, the captured
/// <c>.outputs</c>, <c>.steps</c> by name and path, and per target <c>.target</c>; renders step commands, conditions
/// and labels with it, and masks secrets in what it reports. Thread-safe for concurrent steps.
/// </summary>
internal sealed class StepContext
{
    private readonly WorkflowDefinition _workflow;
    private readonly IReadOnlyDictionary<string, object?> _parameters;
    private readonly string _runId;
    private readonly IReadOnlyCollection<string> _secrets;
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, object?>> _stepStatus = new(StringComparer.Ordinal);
    private TemplateContext _base = new();

    public StepContext(WorkflowDefinition workflow, IReadOnlyDictionary<string, object?> parameters, string runId, IReadOnlyCollection<string> secrets)
    {
        _workflow = workflow;
        _parameters = parameters;
        _runId = runId;
        _secrets = secrets;
    }

    /// <summary>The captured outputs (<c>.outputs</c>), unmasked (masked when reported).</summary>
    public ConcurrentDictionary<string, object?> Outputs { get; } = new(StringComparer.Ordinal);

    /// <summary>Binds parameters and built-ins; false with the (masked) errors when a variable or condition cannot be evaluated.</summary>
    public bool Build(out string? error)
    {
        var builtIns = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["run_id"] = _runId,
            ["workflow_id"] = _workflow.Name,
            ["outputs"] = new Dictionary<string, object?>(),
            ["steps"] = new Dictionary<string, object?>(),
            ["failed_step"] = FailedStep(null),
        };
        WorkflowContextResult built = WorkflowContextBuilder.Build(_workflow, _parameters, builtIns);
        _base = built.Context;
        error = built.Errors.Count == 0 ? null : Mask(string.Join("; ", built.Errors.Select(e => e.ToString())));
        return error is null;
    }

    public string Mask(string text) => _secrets.Count == 0 ? text : SecretMasker.Apply(text, _secrets);

    public string? MaskOrNull(string? text) => text is null ? null : Mask(text);

    /// <summary>Masks every text inside a captured value.</summary>
    public object? MaskValue(object? value) => value switch
    {
        string s => Mask(s),
        IReadOnlyDictionary<string, object?> map => map.ToDictionary(k => k.Key, k => MaskValue(k.Value), StringComparer.Ordinal),
        IReadOnlyList<object?> list => list.Select(MaskValue).ToList(),
        _ => value,
    };

    private TemplateContext ContextFor(Template template, IReadOnlyDictionary<string, object?>? extra = null)
    {
        TemplateContext context = _base;
        IReadOnlyCollection<string> names = template.ReferencedNames;

        // Snapshots are taken only for what the template reads: most steps read neither.
        if (names.Contains("outputs"))
        {
            context = context.With("outputs", new Dictionary<string, object?>(Outputs, StringComparer.Ordinal));
        }

        if (names.Contains("steps"))
        {
            context = context.With("steps", _stepStatus.ToDictionary(k => k.Key, k => (object?)k.Value, StringComparer.Ordinal));
        }

        foreach ((string key, object? value) in extra ?? new Dictionary<string, object?>())
        {
            context = context.With(key, value);
        }

        return context;
    }

    /// <summary>
    /// The value of <c>.failed_step</c>: the step whose failure a recovery condition is evaluated on (name, path, status,
    /// error, exit_code), all null before the run fails.
    /// </summary>
    public static Dictionary<string, object?> FailedStep(RuntimeStep? step) => new(StringComparer.Ordinal)
    {
        ["name"] = step?.Step.Name,
        ["path"] = step?.Path,
        ["status"] = step?.State.ToWireName(),
        ["error"] = step?.Result?.Error,
        ["exit_code"] = step?.Result?.ExitCode,
    };

    public (bool? Value, string? Error) EvaluateCondition(TemplateText when, IReadOnlyDictionary<string, object?>? extra = null)
    {
        TemplateParseResult parsed = Template.ParseExpression(when.Text, when.Origin);
        if (!parsed.Success)
        {
            return (null, parsed.Error!.ToString());
        }

        TemplateResult result = parsed.Template!.Evaluate(ContextFor(parsed.Template, extra));
        return result.Success ? (TemplateValues.IsTruthy(result.Value), null) : (null, Mask(result.Error!.ToString()));
    }

    public (string? Text, string? Error) RenderText(TemplateText text, RenderMode mode, IReadOnlyDictionary<string, object?>? extra = null)
    {
        TemplateParseResult parsed = Template.Parse(text.Text, text.Origin);
        if (!parsed.Success)
        {
            return (null, parsed.Error!.ToString());
        }

        TemplateResult result = parsed.Template!.Render(ContextFor(parsed.Template, extra), mode);
        return result.Success ? (result.Text, null) : (null, Mask(result.Error!.ToString()));
    }

    public (StepInvocation? Invocation, string? Error) Render(RuntimeStep node, IReadOnlyList<Target>? targets)
    {
        WorkflowStep step = node.Step;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, TemplateText value) in step.Environment)
        {
            (string? text, string? error) = RenderText(value, RenderMode.Plain);
            if (text is null)
            {
                return (null, $"env {key}: {error}");
            }

            environment[key] = text;
        }

        string? workingDirectory = null;
        if (step.WorkingDirectory is { } wd)
        {
            (workingDirectory, string? error) = RenderText(wd, RenderMode.Plain);
            if (workingDirectory is null)
            {
                return (null, $"working_dir: {error}");
            }
        }

        TemplateText action = step.Command ?? step.Script!;
        Func<Target, string?>? perTarget = null;
        string? rendered;
        if (targets is not null && Template.Parse(action.Text, action.Origin) is { Success: true } parsed && parsed.Template!.ReferencedNames.Contains("target"))
        {
            // The text differs per target: each target renders its own (errors surface as that target's failure).
            perTarget = t => RenderText(action, RenderMode.Shell, new Dictionary<string, object?> { ["target"] = TargetValue(t) }).Text;
            rendered = action.Text;
        }
        else
        {
            (rendered, string? error) = RenderText(action, RenderMode.Shell);
            if (rendered is null)
            {
                return (null, (step.Script is null ? "command: " : "script: ") + error);
            }
        }

        return (new StepInvocation
        {
            RunId = _runId,
            Path = node.Path,
            Command = step.Script is null ? rendered : null,
            Script = step.Script is null ? null : rendered,
            CommandFor = perTarget,
            Shell = step.Shell,
            Environment = environment,
            WorkingDirectory = workingDirectory,
            Timeout = step.Timeout,
            Targets = targets,
            BatchSizes = step.Targets?.BatchSizes ?? [],
            Parallel = step.Targets?.Parallel,
            MaxFailPercent = step.Targets?.MaxFailPercent,
        }, null);
    }

    private static Dictionary<string, object?> TargetValue(Target t) => new(StringComparer.Ordinal)
    {
        ["name"] = t.Name,
        ["host"] = t.Host,
        ["port"] = t.Port is { } port ? (long)port : null,
        ["user"] = t.User,
        ["transport"] = t.Transport,
        ["tags"] = t.Tags.ToDictionary(k => k.Key, k => (object?)k.Value, StringComparer.Ordinal),
        ["groups"] = t.Groups.Cast<object?>().ToList(),
    };

    public void SetStepStatus(RuntimeStep node, StepResult result)
    {
        var status = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["status"] = result.State.ToWireName(),
            ["exit_code"] = result.ExitCode,
            ["attempts"] = (long)result.Attempts,
            ["output"] = result.Output,
            ["skip_reason"] = result.SkipReason,
            ["error"] = result.Error,
        };
        _stepStatus[node.Path] = status;
        if (node.Kind == "main")
        {
            _stepStatus[node.Step.Name] = status;
        }
    }
}
