using Fanout.Diagnostics;
using Fanout.Expressions;
using Fanout.Workflows.Model;

namespace Fanout.Workflows;

/// <summary>
/// Builds the initial template context of a workflow run (SPEC W3–W5): bound parameters, then variables rendered in
/// order, then named conditions evaluated in order, plus <c>workflow_name</c> and any extra built-ins.
/// </summary>
public static class WorkflowContextBuilder
{
    /// <summary>Builds the context.</summary>
    /// <param name="workflow">The (validated) workflow.</param>
    /// <param name="parameters">Bound parameter values (<see cref="ParameterBinder"/>).</param>
    /// <param name="builtIns">Extra root values such as <c>workflow_id</c>, <c>run_id</c>, <c>env</c>; may be null.</param>
    /// <param name="environment">The lookup behind the <c>env</c> function; the default reads the process environment.</param>
    public static WorkflowContextResult Build(
        WorkflowDefinition workflow,
        IReadOnlyDictionary<string, object?> parameters,
        IReadOnlyDictionary<string, object?>? builtIns = null,
        Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(parameters);
        var errors = new List<Diagnostic>();
        // failed_step is what recovery conditions read; before the run fails its fields are all null.
        var root = new Dictionary<string, object?>(StringComparer.Ordinal) { ["workflow_name"] = workflow.Name, ["failed_step"] = Engine.StepContext.FailedStep(null) };
        foreach (var (k, v) in builtIns ?? new Dictionary<string, object?>())
        {
            root[k] = v;
        }

        foreach (var (k, v) in parameters)
        {
            root[k] = v;
        }

        root["parameters"] = new Dictionary<string, object?>(parameters, StringComparer.Ordinal);
        var context = new TemplateContext(root, environment);

        var variables = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var variable in workflow.Variables)
        {
            object? value = variable.Literal;
            if (variable.Template is { } text)
            {
                var parsed = Template.Parse(text.Text, text.Origin);
                var result = parsed.Success ? parsed.Template.Evaluate(context) : new TemplateResult(null, null, parsed.Error);
                if (!result.Success)
                {
                    errors.Add(result.Error! with { Message = $"variable '{variable.Name}': {result.Error!.Message}" });
                    continue;
                }

                value = result.Value;
            }

            variables[variable.Name] = value;
            context = context.With(variable.Name, value).With("variables", variables);
        }

        var conditions = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var condition in workflow.Conditions)
        {
            var parsed = Template.ParseExpression(condition.Expression.Text, condition.Expression.Origin);
            var result = parsed.Success ? parsed.Template.Evaluate(context) : new TemplateResult(null, null, parsed.Error);
            if (!result.Success)
            {
                errors.Add(result.Error! with { Message = $"condition '{condition.Name}': {result.Error!.Message}" });
                continue;
            }

            var truth = TemplateValues.IsTruthy(result.Value);
            conditions[condition.Name] = truth;
            context = context.With(condition.Name, truth).With("conditions", conditions);
        }

        return new WorkflowContextResult(context.With("variables", variables).With("conditions", conditions), errors);
    }
}
