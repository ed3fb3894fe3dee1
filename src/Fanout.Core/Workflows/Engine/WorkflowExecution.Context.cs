using Fanout.Expressions;
using Fanout.Inventory;
using Fanout.Workflows.Model;

namespace Fanout.Workflows.Engine;

/// <summary>Templates: the context a step sees (parameters, variables, conditions, outputs, steps, target) and rendering.</summary>
internal sealed partial class WorkflowExecution
{
    private TemplateContext ContextFor(Template template, IReadOnlyDictionary<string, object?>? extra = null)
    {
        TemplateContext context = _base;
        IReadOnlyCollection<string> names = template.ReferencedNames;

        // Snapshots are taken only for what the template reads: most steps read neither.
        if (names.Contains("outputs"))
        {
            context = context.With("outputs", new Dictionary<string, object?>(_outputs, StringComparer.Ordinal));
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

    private (bool? Value, string? Error) EvaluateCondition(TemplateText when)
    {
        TemplateParseResult parsed = Template.ParseExpression(when.Text, when.Origin);
        if (!parsed.Success)
        {
            return (null, parsed.Error!.ToString());
        }

        TemplateResult result = parsed.Template!.Evaluate(ContextFor(parsed.Template));
        return result.Success ? (TemplateValues.IsTruthy(result.Value), null) : (null, Mask(result.Error!.ToString()));
    }

    private (string? Text, string? Error) RenderText(TemplateText text, RenderMode mode, IReadOnlyDictionary<string, object?>? extra = null)
    {
        TemplateParseResult parsed = Template.Parse(text.Text, text.Origin);
        if (!parsed.Success)
        {
            return (null, parsed.Error!.ToString());
        }

        TemplateResult result = parsed.Template!.Render(ContextFor(parsed.Template, extra), mode);
        return result.Success ? (result.Text, null) : (null, Mask(result.Error!.ToString()));
    }

    private (StepInvocation? Invocation, string? Error) Render(RuntimeStep node, IReadOnlyList<Target>? targets)
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
            RunId = RunId,
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

    private void SetStepStatus(RuntimeStep node, StepResult result)
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
