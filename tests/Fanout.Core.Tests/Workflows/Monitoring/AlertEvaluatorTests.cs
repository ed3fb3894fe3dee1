using Fanout.Workflows;
using Fanout.Workflows.Model;
using Fanout.Workflows.Monitoring;

namespace Fanout.Core.Tests.Workflows.Monitoring;

public sealed class AlertEvaluatorTests
{
    private static IReadOnlyList<MonitoringAlert> Alerts(string monitoring)
    {
        var parsed = WorkflowParser.Parse("steps:\n  - {name: a, command: 'true'}\nmonitoring:\n  alerts:\n" + monitoring, "wf.yaml");
        Assert.Empty(parsed.Diagnostics);
        return parsed.Workflow!.Alerts;
    }

    private static Dictionary<string, object?> Figures(TimeSpan duration, int failed, string environment = "production")
    {
        var figures = RunFigures.Create(duration, totalSteps: 4, succeededSteps: 4 - failed, failedSteps: failed, skippedSteps: 0, status: failed > 0 ? "failed" : "succeeded");
        figures["environment"] = environment;
        return figures;
    }

    [Fact]
    public void Evaluate_DurationAboveThreshold_RaisesWithValuesAndDefaultMessage()
    {
        var alerts = Alerts("    - {condition: deployment_duration > 1800, severity: critical}\n");

        var raised = AlertEvaluator.Evaluate(alerts, Figures(TimeSpan.FromMinutes(31), failed: 0));

        var alert = Assert.Single(raised);
        Assert.Equal("deployment_duration > 1800", alert.Condition);
        Assert.Equal("critical", alert.Severity);
        Assert.Equal(1860L, alert.Values["deployment_duration"]);
        Assert.Equal("critical alert: deployment_duration > 1800 (deployment_duration=1860)", alert.Message);
        Assert.Null(alert.Error);
        Assert.Equal(5, alert.Position.Line);
    }

    [Fact]
    public void Evaluate_ConditionFalse_RaisesNothing()
    {
        var alerts = Alerts("    - {condition: deployment_duration > 1800}\n");

        Assert.Empty(AlertEvaluator.Evaluate(alerts, Figures(TimeSpan.FromMinutes(5), failed: 0)));
    }

    [Theory]
    [InlineData(1, "production", true)]
    [InlineData(0, "production", false)]
    [InlineData(2, "staging", false)]
    public void Evaluate_CompoundCondition_UsesExpressionLanguage(int failed, string environment, bool expected)
    {
        var alerts = Alerts("    - condition: failed_steps > 0 and environment == 'production'\n      message: \"{{ .failed_steps }} failed in {{ .environment }} ({{ .failure_rate }}%)\"\n");

        var raised = AlertEvaluator.Evaluate(alerts, Figures(TimeSpan.FromSeconds(10), failed, environment));

        Assert.Equal(expected, raised.Count == 1);
        if (expected)
        {
            Assert.Equal("1 failed in production (25%)", raised[0].Message);
            Assert.Equal("warning", raised[0].Severity);
            Assert.Equal(["environment", "failed_steps"], raised[0].Values.Keys.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void Evaluate_UndefinedFigure_ReportsErrorInsteadOfThrowing()
    {
        var alerts = Alerts("    - {condition: queue_depth > 10, severity: info}\n    - {condition: failed_steps > 0}\n");

        var raised = AlertEvaluator.Evaluate(alerts, Figures(TimeSpan.Zero, failed: 1));

        Assert.Equal(2, raised.Count);
        Assert.NotNull(raised[0].Error);
        Assert.Contains("queue_depth", raised[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("alert condition 'queue_depth > 10' could not be evaluated:", raised[0].Message, StringComparison.Ordinal);
        Assert.Equal("wf.yaml", raised[0].Error!.Position.File);
        Assert.Null(raised[1].Error);
    }

    [Fact]
    public void Evaluate_TypeError_ReportsError()
    {
        var alerts = Alerts("    - {condition: status > 3}\n");

        var raised = AlertEvaluator.Evaluate(alerts, Figures(TimeSpan.Zero, failed: 0));

        Assert.NotNull(Assert.Single(raised).Error);
    }

    [Fact]
    public void ToNotification_CarriesSeverityConditionAndValues()
    {
        var raised = AlertEvaluator.Evaluate(Alerts("    - {condition: failed_steps > 0, severity: critical}\n"), Figures(TimeSpan.Zero, failed: 2));

        var n = raised[0].ToNotification("deploy", "r1", DateTimeOffset.UnixEpoch);

        Assert.Equal("alert", n.Event);
        Assert.Equal("critical", n.Figures["severity"]);
        Assert.Equal(2L, n.Figures["failed_steps"]);
        Assert.Contains("\"event\":\"alert\"", n.ToJson(), StringComparison.Ordinal);
    }
}
