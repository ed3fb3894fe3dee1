using Fanout.Diagnostics;
using Fanout.Expressions;
using Fanout.Workflows.Model;

namespace Fanout.Workflows;

/// <summary>
/// The root names a workflow's templates read, and which of them are defined once parameters are bound — one
/// definition for <c>validate</c> (a warning: the value may still come with <c>--set</c>/<c>-e</c>) and for <c>plan</c>,
/// <c>run</c>, schedules and the API (an error before anything runs, through <see cref="ParameterBinder.Bind"/>).
/// </summary>
internal static class WorkflowNames
{
    /// <summary>Names every run provides (built-ins other than <c>environment</c>/<c>env</c>, which come from <c>-e</c>).</summary>
    public static IReadOnlyList<string> AlwaysDefined { get; } =
        ["outputs", "steps", "workflow_id", "workflow_name", "run_id", "target", "parameters", "variables", "conditions", "failed_step"];

    /// <summary>Every template text of the workflow whose names are root names (alert conditions and metric values read figures, not these).</summary>
    public static IEnumerable<(TemplateText Text, bool Expression)> Templates(WorkflowDefinition workflow)
    {
        foreach (WorkflowVariable v in workflow.Variables)
        {
            if (v.Template is { } t)
            {
                yield return (t, false);
            }
        }

        foreach (WorkflowCondition c in workflow.Conditions)
        {
            yield return (c.Expression, true);
        }

        foreach (ValidationRule r in workflow.Validation)
        {
            yield return (r.Expression, true);
            if (r.Message is { } m)
            {
                yield return (m, false);
            }
        }

        foreach (Prerequisite p in workflow.Prerequisites)
        {
            yield return (p.Command, false);
        }

        IEnumerable<WorkflowStep> lists = workflow.Steps.Concat(workflow.OnSuccess).Concat(workflow.OnFailure).Concat(workflow.Actions)
            .Concat(workflow.PostExecution?.Success ?? []).Concat(workflow.PostExecution?.Failure ?? []).Concat(workflow.Rollback?.Steps ?? []);
        foreach (WorkflowStep step in lists.SelectMany(Flatten))
        {
            foreach (TemplateText? t in new[] { step.Command, step.Script, step.WorkingDirectory }.Concat(step.Environment.Values).Concat(step.Metrics?.CustomLabels.Values ?? []))
            {
                if (t is not null)
                {
                    yield return (t, false);
                }
            }

            if (step.When is { } when)
            {
                yield return (when, true);
            }
        }
    }

    /// <summary>Names read (not only through <c>default</c>) that <paramref name="values"/>, variables, conditions and the built-ins do not define, with where each is first read.</summary>
    public static IReadOnlyList<(string Name, SourcePosition Position)> Undefined(WorkflowDefinition workflow, IReadOnlyDictionary<string, object?> values)
    {
        var defined = new HashSet<string>(AlwaysDefined, StringComparer.Ordinal);
        defined.UnionWith(values.Keys);
        defined.UnionWith(workflow.Parameters.Select(p => p.Name)); // a declared one that is missing is reported as such
        defined.UnionWith(workflow.Variables.Select(v => v.Name));
        defined.UnionWith(workflow.Conditions.Select(c => c.Name));
        var missing = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        foreach ((TemplateText text, bool expression) in Templates(workflow))
        {
            TemplateParseResult parsed = expression ? Template.ParseExpression(text.Text, text.Origin) : Template.Parse(text.Text, text.Origin);
            if (parsed.Template is not { } template)
            {
                continue; // a syntax error: validate reports it
            }

            foreach (string name in template.ReferencedNames.Except(template.DefaultedNames).Where(n => !defined.Contains(n)))
            {
                missing.TryAdd(name, template.PositionOf(name));
            }
        }

        return [.. missing.Select(m => (m.Key, m.Value))];
    }

    private static IEnumerable<WorkflowStep> Flatten(WorkflowStep step) =>
        step.Steps.Concat(step.OnRetry).Concat(step.OnFailure).Concat(step.OnSuccess).Concat(step.Rollback).Concat(step.FallbackSteps)
            .SelectMany(Flatten).Prepend(step);
}
