using System.Globalization;
using Fanout.Expressions;
using Fanout.Workflows.Model;

namespace Fanout.Workflows.Monitoring;

/// <summary>
/// Evaluates <c>monitoring.alerts</c> conditions (SPEC W16) on a run's figures with the template expression language.
/// Conditions name figures with or without a dot (<c>deployment_duration &gt; 1800</c>,
/// <c>failed_steps &gt; 0 and environment == 'production'</c>).
/// </summary>
public static class AlertEvaluator
{
    /// <summary>Returns the alerts whose condition is true, plus one entry (with <see cref="RaisedAlert.Error"/>) per condition that failed to evaluate.</summary>
    /// <param name="alerts">The workflow's alerts, in order.</param>
    /// <param name="figures">
    /// What conditions may read: the run figures (see <see cref="RunFigures"/>) and, usually, the run's template values
    /// (parameters, variables …) so a condition can test <c>environment</c>. Values use the template value model.
    /// </param>
    /// <returns>The raised alerts in declaration order; never throws for a bad condition.</returns>
    public static IReadOnlyList<RaisedAlert> Evaluate(IReadOnlyList<MonitoringAlert> alerts, IReadOnlyDictionary<string, object?> figures)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(figures);
        var context = new TemplateContext(figures);
        var raised = new List<RaisedAlert>();
        foreach (var alert in alerts)
        {
            if (EvaluateOne(alert, context) is { } r)
            {
                raised.Add(r);
            }
        }

        return raised;
    }

    private static RaisedAlert? EvaluateOne(MonitoringAlert alert, TemplateContext context)
    {
        var condition = alert.Condition.Text;
        var parsed = Template.ParseExpression(condition, alert.Condition.Origin, bareNames: true);
        if (!parsed.Success)
        {
            return Failed(alert, parsed.Error!, new Dictionary<string, object?>());
        }

        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var name in parsed.Template.ReferencedNames)
        {
            if (context.Root.TryGetValue(name, out var value))
            {
                values[name] = value;
            }
        }

        var result = parsed.Template.Evaluate(context);
        if (!result.Success)
        {
            return Failed(alert, result.Error!, values);
        }

        if (!TemplateValues.IsTruthy(result.Value))
        {
            return null;
        }

        var message = DefaultMessage(alert, values);
        Fanout.Diagnostics.Diagnostic? messageError = null;
        if (alert.Message is { } text)
        {
            var template = Template.Parse(text.Text, text.Origin);
            var rendered = template.Success ? template.Template.Render(context) : new TemplateResult(null, null, template.Error);
            if (rendered.Success)
            {
                message = rendered.Text!;
            }
            else
            {
                messageError = rendered.Error;
                message += $" (the alert message could not be rendered: {rendered.Error!.Message})";
            }
        }

        return new RaisedAlert
        {
            Condition = condition,
            Severity = alert.Severity,
            Message = message,
            Values = values,
            Error = messageError,
            Position = alert.Position,
        };
    }

    private static RaisedAlert Failed(MonitoringAlert alert, Fanout.Diagnostics.Diagnostic error, Dictionary<string, object?> values) => new()
    {
        Condition = alert.Condition.Text,
        Severity = alert.Severity,
        Message = $"alert condition '{alert.Condition.Text}' could not be evaluated: {error.Message}",
        Values = values,
        Error = error,
        Position = alert.Position,
    };

    private static string DefaultMessage(MonitoringAlert alert, Dictionary<string, object?> values)
    {
        var shown = string.Join(", ", values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + TemplateValues.ToText(kv.Value)));
        return string.Create(CultureInfo.InvariantCulture, $"{alert.Severity} alert: {alert.Condition.Text}{(shown.Length > 0 ? $" ({shown})" : string.Empty)}");
    }
}
